import { Migration20261123084644_initial } from './Migration20261123084644_initial.js';

/** Every committed migration, oldest first. New ones are created with `cofactor migration:create`. */
export const migrations = [Migration20261123084644_initial];

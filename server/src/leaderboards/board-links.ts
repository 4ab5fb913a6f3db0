import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/sql.js';
import type { BoardQuery } from './board-query.js';

/** A board link's token: `cfb_<prefix>_<secret>`; the prefix finds the link, the secret proves it. */
const LINK_PREFIX = 'cfb_';

export interface BoardLink {
  id: string;
  name: string;
  input: BoardQuery;
  createdAt: Date;
  revokedAt: Date | null;
}

const COLUMNS = `id::text, name, input, created_at as "createdAt", revoked_at as "revokedAt"`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Published boards. A link's token reads its one board and nothing else: it is no credential
 * of the API (a request carrying it is still anonymous), only the argument of `publicLeaderboard`.
 * Revoking takes effect at the next read on every server process, as nothing is cached.
 */
export class BoardLinks {
  constructor(private readonly sql: Sql) {}

  async publish(programId: string, name: string, input: BoardQuery): Promise<{ link: BoardLink; token: string }> {
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const [link] = await this.sql.query<BoardLink>(
      `insert into board_link (program_id, name, input, prefix, secret_hash) values ($1, $2, $3, $4, $5) returning ${COLUMNS}`,
      [programId, name, JSON.stringify(input), prefix, sha256(secret)],
    );
    return { link, token: `${LINK_PREFIX}${prefix}_${secret}` };
  }

  /** Revokes a link of the program; null when it has none with this id. Revoking twice keeps the first time. */
  async revoke(programId: string, id: string): Promise<BoardLink | null> {
    const [link] = await this.sql.query<BoardLink>(
      `update board_link set revoked_at = coalesce(revoked_at, now()) where id = $2 and program_id = $1 returning ${COLUMNS}`,
      [programId, id],
    );
    return link ?? null;
  }

  /** The program and board a token reads; null for a token that is malformed, unknown or revoked. */
  async open(token: string): Promise<{ programId: string; input: BoardQuery } | null> {
    const match = /^cfb_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return null;
    const [row] = await this.sql.query<{ programId: string; input: BoardQuery; secretHash: string; revokedAt: Date | null }>(
      `select program_id::text as "programId", input, secret_hash as "secretHash", revoked_at as "revokedAt" from board_link where prefix = $1`,
      [match[1]],
    );
    if (!row || row.revokedAt) return null;
    return timingSafeEqual(Buffer.from(row.secretHash, 'hex'), Buffer.from(sha256(match[2]), 'hex')) ? { programId: row.programId, input: row.input } : null;
  }
}

export { BigIntResolver as BigIntScalar, DateTimeResolver as DateTimeScalar, JSONResolver as JSONScalar, JSONObjectResolver as JSONObjectScalar } from 'graphql-scalars';

declare global {
  interface BigInt {
    toJSON(): string;
  }
}

// graphql-scalars' BigInt sends amounts within ±2^53 as JSON numbers. With this, the rare
// larger amount goes out as a digit string instead of a rounded number, and BigInt inputs
// always parse to bigint, so no amount ever passes through a float.
BigInt.prototype.toJSON = function toJSON(this: bigint) {
  return this.toString();
};

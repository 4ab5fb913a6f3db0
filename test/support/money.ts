/**
 * What the money tests derive their expected figures with. Written for the tests alone — none
 * of it is the server's code — so an expected amount is never the server's own answer.
 */

/** round_half_even(numerator / denominator) for a non-negative numerator and a positive denominator. */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twice = 2n * (numerator - quotient * denominator);
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** mulberry32: a small seeded generator, so a run can be replayed from its seed. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const shuffle = <T>(list: readonly T[]): T[] => {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  return { next, int, shuffle };
}
export type Seeded = ReturnType<typeof seeded>;

/** A partner's statement in one currency, as the API returns it (minor units). */
export interface StatementFigures {
  pending: number;
  approved: number;
  inPayout: number;
  available: number;
  paid: number;
  reversed: number;
  rejected: number;
  capped: number;
}

/** The statement of a partner with no money entries; spread it and name what differs. */
export const NO_MONEY: StatementFigures = { pending: 0, approved: 0, inPayout: 0, available: 0, paid: 0, reversed: 0, rejected: 0, capped: 0 };

export const STATEMENT_QUERY = `query($partnerId: ID!) {
  statement(partnerId: $partnerId, currency: "RUB") { pending approved inPayout available paid reversed rejected capped }
}`;

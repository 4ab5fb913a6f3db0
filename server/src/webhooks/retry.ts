/**
 * The pause before attempt `attempt + 1` after `attempt` failed ones: exponential from `firstMs`,
 * doubling, at most `maxMs`, with "equal jitter" (half of it fixed, half random), so receivers
 * coming back from an outage are not hit by every sender at the same instant.
 */
export function retryDelayMs(attempt: number, firstMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.round(full / 2 + (full / 2) * random());
}

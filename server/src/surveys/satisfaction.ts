/** What the database counts of the answers in a period. */
export interface ScoreCounts {
  responses: number;
  scoreSum: number;
  /** Scores 9–10. */
  promoters: number;
  /** Scores 0–6. */
  detractors: number;
}

export interface Satisfaction {
  responses: number;
  promoters: number;
  /** Scores 7–8. */
  passives: number;
  detractors: number;
  /** The mean score, rounded to two decimals, halves up; null without answers. */
  averageScore: number | null;
  /** Net Promoter Score: (promoters − detractors) ÷ responses × 100, rounded to a whole number, halves away from zero; null without answers. */
  nps: number | null;
}

/**
 * The figures, in integers until the last step, so no float decides a rounding: NPS is
 * 100·(promoters − detractors) ÷ responses rounded to the nearest whole number, halves away
 * from zero (12.5 → 13, −12.5 → −13); the average is rounded to hundredths, halves up.
 */
export function satisfactionOf(counts: ScoreCounts): Satisfaction {
  const { responses, scoreSum, promoters, detractors } = counts;
  const passives = responses - promoters - detractors;
  if (responses === 0) return { responses, promoters, passives, detractors, averageScore: null, nps: null };
  const net = 100 * (promoters - detractors);
  const nps = Math.sign(net) * roundHalfUp(Math.abs(net), responses);
  return { responses, promoters, passives, detractors, averageScore: roundHalfUp(100 * scoreSum, responses) / 100, nps };
}

/** numerator ÷ denominator rounded to the nearest integer, halves up; both non-negative integers. */
function roundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

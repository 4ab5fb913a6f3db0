// The vocabulary of boards: what one ranks, over which period and among whom, and what partners
// may see of each other. The service, the live boards, the links and the GraphQL types share it.

/** What a board ranks; each maps to one metric and unit of the board totals (see the board_totals migration). */
export const BOARD_METRICS = ['NET_SALES', 'SALES', 'REWARD_MONEY', 'POINTS', 'NEW_CUSTOMERS', 'RECRUITS', 'EVENTS_HOSTED', 'LEADS', 'EVENTS'] as const;
export type BoardMetric = (typeof BOARD_METRICS)[number];
export const BOARD_PERIODS = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'CAMPAIGN', 'ALL'] as const;
export type BoardPeriod = (typeof BOARD_PERIODS)[number];

/** One board: what it ranks, over which period, among which partners. */
export interface BoardQuery {
  metric: BoardMetric;
  /** The currency of a money metric (default: the program's), the event type of EVENTS. */
  unit?: string | null;
  period: BoardPeriod;
  /**
   * Partners the campaign targets only; its rewards only for REWARD_MONEY and POINTS; the
   * period CAMPAIGN is its dates (the local days from its start to its end).
   */
  campaignId?: string | null;
  /** A day inside the period to rank (YYYY-MM-DD, local to the program); default today. */
  date?: string | null;
  /** Partners of this region and its sub-regions only. */
  regionCode?: string | null;
  partnerKind?: string | null;
  segment?: string | null;
  level?: number | null;
}

/** What partners see of each other's names on boards. */
export const BOARD_NAMES = ['FULL', 'SHORT', 'ALIAS'] as const;
export type BoardNames = (typeof BOARD_NAMES)[number];
/** The longest alias a partner may choose. */
export const MAX_ALIAS_LENGTH = 40;

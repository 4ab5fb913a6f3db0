import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, subscribe, type Subscription } from '../api';
import { graphql } from '../gql';
import type { BoardMetric, BoardPeriod, LiveBoardSubscription } from '../gql/graphql';
import { formatCount, formatMoney, formatTime, t, type Locale, type Whole } from '../i18n';
import { ErrorNote, NeedsToken } from './notes';

// What both kinds of board page draw, shared by their subscriptions.
graphql(`
  fragment BoardView on Leaderboard {
    metric
    period
    unit
    ranked
    changedAt
    edges {
      node {
        rank
        value
        partner {
          id
          name
        }
      }
    }
  }
`);

const LiveBoardDocument = graphql(`
  subscription LiveBoard($input: LeaderboardInput!, $top: Int!) {
    leaderboardChanged(input: $input, top: $top) {
      ...BoardView
      me {
        rank
        value
        partner {
          id
          name
        }
      }
    }
  }
`);

const PublicBoardDocument = graphql(`
  subscription PublicBoard($top: Int!) {
    publicLeaderboardChanged(top: $top) {
      ...BoardView
    }
  }
`);

type Board = LiveBoardSubscription['leaderboardChanged'];

const MONEY_METRICS = new Set<BoardMetric>(['NET_SALES', 'REWARD_MONEY']);
const DEFAULT_TOP = 10;

/** How a partner's rank moved since the board was last pushed. */
type Move = { kind: 'up' | 'down'; by: number } | { kind: 'new' };

function movesOf(before: Map<string, number> | null, board: Board): Map<string, Move> {
  const moves = new Map<string, Move>();
  if (!before) return moves;
  for (const { node } of board.edges) {
    const was = before.get(node.partner.id);
    if (was === undefined) moves.set(node.partner.id, { kind: 'new' });
    else if (was !== node.rank) moves.set(node.partner.id, { kind: was > node.rank ? 'up' : 'down', by: Math.abs(was - node.rank) });
  }
  return moves;
}

/** The board the address asks for: `metric`, `period`, `region`, `kind`, `unit`, `date`, `campaign`, `top`. */
function boardInput(params: URLSearchParams) {
  const optional = (name: string) => params.get(name) || undefined;
  return {
    input: {
      metric: (params.get('metric') ?? 'NET_SALES') as BoardMetric,
      period: (params.get('period') ?? 'MONTH') as BoardPeriod,
      regionCode: optional('region'),
      partnerKind: optional('kind'),
      unit: optional('unit'),
      date: optional('date'),
      campaignId: optional('campaign'),
    },
    top: Number(params.get('top') ?? DEFAULT_TOP),
  };
}

/** The board's pushes: a partner's own view (`token`), or a published link's (`link`), which has no own entry. */
function watchBoard(params: URLSearchParams, variables: ReturnType<typeof boardInput>, sink: Subscription<Board>): (() => void) | undefined {
  const token = params.get('token');
  const link = params.get('link');
  if (token) return subscribe(LiveBoardDocument, variables, { credential: token }, { ...sink, next: (data) => sink.next(data.leaderboardChanged) });
  if (link) return subscribe(PublicBoardDocument, { top: variables.top }, { boardLink: link }, { ...sink, next: (data) => sink.next({ ...data.publicLeaderboardChanged, me: null }) });
  return undefined;
}

/**
 * A live board: pushed by the server whenever its top or the viewer's own entry changes, and
 * drawn in place, with each partner's move since the last push and the viewer's own row marked.
 * A published link's board (`link`, for a screen in a shop) is the one the link names.
 */
export function BoardPage({ locale, params }: { locale: Locale; params: URLSearchParams }) {
  const token = params.get('token');
  const link = params.get('link');
  const variables = boardInput(params);
  const key = JSON.stringify([variables, token, link]);
  const [board, setBoard] = useState<Board | null>(null);
  const [moves, setMoves] = useState<Map<string, Move>>(new Map());
  const [live, setLive] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const ranks = useRef<Map<string, number> | null>(null);

  useEffect(() => {
    ranks.current = null;
    setBoard(null);
    setError(null);
    return watchBoard(params, variables, {
      next: (next) => {
        setMoves(movesOf(ranks.current, next));
        ranks.current = new Map(next.edges.map(({ node }) => [node.partner.id, node.rank]));
        setBoard(next);
        setError(null);
      },
      error: setError,
      connected: setLive,
    });
  }, [key]);

  // What the board ranks is what the server says: a published link names its own board.
  const metric = board?.metric ?? variables.input.metric;
  const period = board?.period ?? variables.input.period;
  const regionCode = link ? undefined : variables.input.regionCode;
  const value = (amount: Whole | null | undefined) => {
    if (amount === null || amount === undefined) return t(locale, 'board.hidden');
    return board?.unit && MONEY_METRICS.has(metric) ? formatMoney(locale, amount, board.unit) : formatCount(locale, amount);
  };
  const heading = link && !board ? '' : [t(locale, `metric.${metric}`), t(locale, `period.${period}`), regionCode && t(locale, 'board.region', { code: regionCode })].filter(Boolean).join(' · ');

  if (!token && !link) return <NeedsToken locale={locale} title="board.title" help="board.needsToken" />;
  const me = board?.me;
  return (
    <section class="page board" aria-busy={!board && !error}>
      <h1>{t(locale, 'board.title')}</h1>
      <p class="board-heading">{heading}</p>
      <p class="board-status">
        <span class={live ? 'live-status live' : 'live-status'}>{t(locale, live ? 'board.live' : 'board.connecting')}</span>
        {board && <span>{t(locale, 'board.ranked', { count: formatCount(locale, board.ranked) })}</span>}
        {board?.changedAt && <span>{t(locale, 'board.updated', { time: formatTime(locale, board.changedAt) })}</span>}
      </p>
      {error && <ErrorNote locale={locale} error={error} />}
      {board && !link && (
        <p class="board-me">{me ? t(locale, 'board.me', { rank: me.rank, count: formatCount(locale, board.ranked) }) : t(locale, 'board.notRanked')}</p>
      )}
      {board && board.edges.length === 0 && <p>{t(locale, 'board.empty')}</p>}
      {board && board.edges.length > 0 && (
        <table class="ranking">
          <thead>
            <tr>
              <th scope="col">{t(locale, 'board.rank')}</th>
              <th scope="col">{t(locale, 'board.move')}</th>
              <th scope="col">{t(locale, 'board.partner')}</th>
              <th scope="col" class="number">
                {t(locale, 'board.value')}
              </th>
            </tr>
          </thead>
          <tbody>
            {board.edges.map(({ node }) => {
              const own = me?.partner.id === node.partner.id;
              const move = moves.get(node.partner.id);
              return (
                <tr key={node.partner.id} class={[own && 'own', move && `moved-${move.kind}`].filter(Boolean).join(' ')} aria-current={own ? 'true' : undefined} data-partner={node.partner.id}>
                  <td class="rank">{node.rank}</td>
                  <td class="move">{move && <MoveMark locale={locale} move={move} />}</td>
                  <td class="name">
                    {node.partner.name ?? t(locale, 'board.unnamed')}
                    {own && <span class="you"> ({t(locale, 'board.you')})</span>}
                  </td>
                  <td class="number">{value(node.value)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function MoveMark({ locale, move }: { locale: Locale; move: Move }) {
  if (move.kind === 'new') return <span class="mark new">{t(locale, 'board.new')}</span>;
  const label = t(locale, move.kind === 'up' ? 'board.up' : 'board.down', { n: move.by });
  return (
    <span class={`mark ${move.kind}`} title={label}>
      <span aria-hidden="true">{move.kind === 'up' ? '▲' : '▼'}</span> {label}
    </span>
  );
}

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { CabinetMonthQuery, CabinetQuery, CabinetRewardsQuery } from '../gql/graphql';
import { formatCount, formatDate, formatMoney, formatPoints, t, type Locale, type MessageKey } from '../i18n';
import { ErrorNote, NeedsToken } from './notes';

const CabinetDocument = graphql(`
  query Cabinet {
    me {
      id
      name
      kind
      level
      region {
        code
        name
      }
      pointsBalance
      statements {
        currency
        pending
        approved
        available
        paid
      }
      badges {
        code
        name
        awardedAt
      }
      downline(depth: 3) {
        total
        levels {
          depth
          count
        }
      }
    }
  }
`);

const CabinetRewardsDocument = graphql(`
  query CabinetRewards($first: Int!, $after: String, $status: String) {
    rewards(first: $first, after: $after, status: $status) {
      edges {
        node {
          id
          kind
          amount
          unit
          status
          createdAt
          explanation {
            en
            ru
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const MonthDocument = graphql(`
  query CabinetMonth($partnerId: ID!, $month: String!) {
    partnerStats(partnerId: $partnerId, period: { month: $month }) {
      rank {
        regionCode
        rank
        ranked
      }
      figures {
        sales {
          currency
          count
          net
        }
      }
    }
  }
`);

type Partner = NonNullable<CabinetQuery['me']>;
type Month = CabinetMonthQuery['partnerStats'];
type Reward = CabinetRewardsQuery['rewards']['edges'][number]['node'];

const PAGE = 20;
const STATUSES = ['PENDING', 'APPROVED', 'PAID', 'REJECTED', 'CAPPED'] as const;
const BALANCES = ['pending', 'approved', 'available', 'paid'] as const;

/** A partner's own cabinet: balances per currency, points, badges, downline and the rewards with their explanations. */
export function CabinetPage({ locale, params }: { locale: Locale; params: URLSearchParams }) {
  const token = params.get('token');
  const [partner, setPartner] = useState<Partner | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!token) return;
    request(CabinetDocument, {}, token).then((data) => setPartner(data.me ?? null), setError);
  }, [token]);

  if (!token) return <NeedsToken locale={locale} title="cabinet.title" help="cabinet.needsToken" />;
  return (
    <section class="page cabinet" aria-busy={!partner && !error}>
      <h1>{partner?.name ?? t(locale, 'cabinet.title')}</h1>
      {error && <ErrorNote locale={locale} error={error} />}
      {partner && (
        <>
          <p class="subtitle">
            {[partner.kind, t(locale, 'cabinet.level', { level: partner.level }), partner.region?.name].filter(Boolean).join(' · ')}
          </p>
          <Balances locale={locale} partner={partner} />
          <ThisMonth locale={locale} token={token} partnerId={partner.id} />
          <div class="facts">
            <Fact label={t(locale, 'cabinet.points')} value={formatPoints(locale, partner.pointsBalance)} />
            <Fact label={t(locale, 'cabinet.downline')} value={formatCount(locale, partner.downline.total)}>
              <ul class="plain">
                {partner.downline.levels.map((level) => (
                  <li key={level.depth}>{t(locale, 'cabinet.downlineLevel', { depth: level.depth, count: formatCount(locale, level.count) })}</li>
                ))}
              </ul>
            </Fact>
            <Fact label={t(locale, 'cabinet.badges')} value={formatCount(locale, partner.badges.length)}>
              <ul class="plain">
                {partner.badges.map((badge) => (
                  <li key={badge.code}>
                    {badge.name} <span class="muted">{formatDate(locale, badge.awardedAt)}</span>
                  </li>
                ))}
              </ul>
            </Fact>
          </div>
          <Rewards locale={locale} token={token} />
        </>
      )}
    </section>
  );
}

function Balances({ locale, partner }: { locale: Locale; partner: Partner }) {
  if (partner.statements.length === 0) return <p>{t(locale, 'cabinet.noMoney')}</p>;
  return (
    <>
      <h2>{t(locale, 'cabinet.balances')}</h2>
      {partner.statements.map((statement) => (
        <dl class="balances" key={statement.currency} data-currency={statement.currency}>
          {BALANCES.map((status) => (
            <div key={status}>
              <dt>{t(locale, `balance.${status}` as MessageKey)}</dt>
              <dd>{formatMoney(locale, statement[status], statement.currency)}</dd>
            </div>
          ))}
        </dl>
      ))}
    </>
  );
}

/**
 * This month's net sales and the partner's place on its region's board of them, with a link to
 * that board live. The month is the browser's; the program counts months in its own time zone,
 * so for a few hours at a month's edge the two may name different months.
 */
function ThisMonth({ locale, token, partnerId }: { locale: Locale; token: string; partnerId: string }) {
  const [month, setMonth] = useState<Month | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const now = new Date();
  const name = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  useEffect(() => void request(MonthDocument, { partnerId, month: name }, token).then((data) => setMonth(data.partnerStats), setError), [token, partnerId, name]);
  if (error) return <ErrorNote locale={locale} error={error} />;
  if (!month) return null;
  const { rank } = month;
  return (
    <section class="this-month">
      <h2>{t(locale, 'cabinet.thisMonth', { month: name })}</h2>
      <ul class="plain">
        {(month.figures.sales ?? []).map((sales) => (
          <li key={sales.currency}>{t(locale, 'cabinet.monthSales', { net: formatMoney(locale, sales.net, sales.currency), count: formatCount(locale, sales.count) })}</li>
        ))}
        {rank && (
          <li class="month-rank">
            {rank.rank === null ? t(locale, 'cabinet.notRankedIn', { region: rank.regionCode }) : t(locale, 'cabinet.rankIn', { region: rank.regionCode, rank: rank.rank, count: formatCount(locale, rank.ranked) })}{' '}
            <a href={`#/board?token=${encodeURIComponent(token)}&metric=NET_SALES&period=MONTH&region=${encodeURIComponent(rank.regionCode)}`}>{t(locale, 'cabinet.openBoard')}</a>
          </li>
        )}
      </ul>
    </section>
  );
}

function Fact({ label, value, children }: { label: string; value: string; children?: ComponentChildren }) {
  return (
    <div class="fact">
      <h2>{label}</h2>
      <p class="fact-value">{value}</p>
      {children}
    </div>
  );
}

/** The partner's rewards, newest first, a page at a time: the next page loads when the list's end scrolls into view. */
function Rewards({ locale, token }: { locale: Locale; token: string }) {
  const [status, setStatus] = useState('');
  const [rewards, setRewards] = useState<Reward[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const end = useRef<HTMLDivElement>(null);

  const load = async (after: string | null, replace: boolean) => {
    setLoading(true);
    try {
      const { rewards: page } = await request(CabinetRewardsDocument, { first: PAGE, after, status: status || null }, token);
      setRewards((shown) => [...(replace ? [] : shown), ...page.edges.map((edge) => edge.node)]);
      setNext(page.pageInfo.endCursor ?? null);
      setMore(page.pageInfo.hasNextPage);
      setError(null);
    } catch (failure) {
      setError(failure as ApiError);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(null, true), [token, status]);
  useEffect(() => {
    if (!end.current || !more || loading) return;
    const observer = new IntersectionObserver((seen) => seen.some((entry) => entry.isIntersecting) && void load(next, false));
    observer.observe(end.current);
    return () => observer.disconnect();
  }, [more, loading, next]);

  return (
    <>
      <h2>{t(locale, 'cabinet.rewards')}</h2>
      <label class="filter">
        {t(locale, 'cabinet.status')}{' '}
        <select value={status} onChange={(event) => setStatus((event.target as HTMLSelectElement).value)}>
          <option value="">{t(locale, 'cabinet.allStatuses')}</option>
          {STATUSES.map((code) => (
            <option key={code} value={code}>
              {t(locale, `status.${code}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {error && <ErrorNote locale={locale} error={error} />}
      {!loading && rewards.length === 0 && <p>{t(locale, 'cabinet.noRewards')}</p>}
      <ul class="rewards">
        {rewards.map((reward) => (
          <li key={reward.id} data-reward={reward.id}>
            <span class="amount">{rewardAmount(locale, reward)}</span>
            <span class={`badge status-${reward.status.toLowerCase()}`}>{t(locale, `status.${reward.status}` as MessageKey)}</span>
            <span class="muted">{formatDate(locale, reward.createdAt)}</span>
            <p class="explanation">{reward.explanation[locale]}</p>
          </li>
        ))}
      </ul>
      <div ref={end} />
      {more && (
        <button type="button" disabled={loading} onClick={() => void load(next, false)}>
          {t(locale, 'cabinet.more')}
        </button>
      )}
    </>
  );
}

function rewardAmount(locale: Locale, reward: Reward): string {
  switch (reward.kind) {
    case 'MONEY':
      return formatMoney(locale, reward.amount, reward.unit);
    case 'POINTS':
      return t(locale, 'cabinet.pointsAmount', { points: formatPoints(locale, reward.amount) });
    case 'LEVEL':
      return t(locale, 'cabinet.level', { level: reward.amount });
    default:
      return `${formatCount(locale, reward.amount)} × ${reward.unit}`;
  }
}

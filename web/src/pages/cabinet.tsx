import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { CabinetCatalogQuery, CabinetMonthQuery, CabinetProgressQuery, CabinetQuery, CabinetRewardsQuery } from '../gql/graphql';
import { formatCount, formatDate, formatMoney, formatPoints, t, tn, type Locale, type MessageKey } from '../i18n';
import { EarningsChart } from './earnings-chart';
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
    program: leaderboard(input: { metric: NET_SALES, period: MONTH }, first: 1) {
      ranked
      me {
        rank
      }
    }
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

const ProgressDocument = graphql(`
  query CabinetProgress {
    me {
      progress {
        campaignId
        campaignName
        schemeCode
        key
        label {
          en
          ru
        }
        current
        threshold
        unit
        reward {
          en
          ru
        }
        reached
        endsAt
      }
    }
  }
`);

const CatalogDocument = graphql(`
  query CabinetCatalog {
    me {
      pointsCatalog {
        campaignId
        campaignName
        item {
          code
          name
          kind
          cost
        }
      }
    }
  }
`);

const RedeemDocument = graphql(`
  mutation CabinetRedeem($campaignId: ID!, $partnerId: ID!, $itemCode: String!, $idempotencyKey: String!) {
    redeemPoints(campaignId: $campaignId, partnerId: $partnerId, itemCode: $itemCode, idempotencyKey: $idempotencyKey) {
      balance
    }
  }
`);

type Partner = NonNullable<CabinetQuery['me']>;
type Offer = NonNullable<CabinetCatalogQuery['me']>['pointsCatalog'][number];
type Target = NonNullable<CabinetProgressQuery['me']>['progress'][number];
type Month = CabinetMonthQuery;
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
          <Progress locale={locale} token={token} />
          <EarningsChart locale={locale} token={token} partnerId={partner.id} />
          <div class="facts">
            <Fact label={t(locale, 'cabinet.points')} value={formatPoints(locale, partner.pointsBalance)} />
            <Fact label={t(locale, 'cabinet.downline')} value={formatCount(locale, partner.downline.total)}>
              <DownlineTree locale={locale} levels={partner.downline.levels} />
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
          <Catalog locale={locale} token={token} partner={partner} onRedeemed={(balance) => setPartner({ ...partner, pointsBalance: balance })} />
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
  useEffect(() => void request(MonthDocument, { partnerId, month: name }, token).then(setMonth, setError), [token, partnerId, name]);
  if (error) return <ErrorNote locale={locale} error={error} />;
  if (!month) return null;
  const { rank, figures } = month.partnerStats;
  const programRank = month.program.me?.rank;
  return (
    <section class="this-month">
      <h2>{t(locale, 'cabinet.thisMonth', { month: name })}</h2>
      <ul class="plain">
        {(figures.sales ?? []).map((sales) => (
          <li key={sales.currency}>{tn(locale, 'cabinet.monthSales', sales.count, { net: formatMoney(locale, sales.net, sales.currency), count: formatCount(locale, sales.count) })}</li>
        ))}
        {programRank && (
          <li class="program-rank">
            {t(locale, 'cabinet.rankInProgram', { rank: programRank, count: formatCount(locale, month.program.ranked) })}{' '}
            <a href={`#/board?token=${encodeURIComponent(token)}&metric=NET_SALES&period=MONTH`}>{t(locale, 'cabinet.openBoard')}</a>
          </li>
        )}
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

/**
 * What the partner's points buy in the active campaigns, each with a button to redeem it when
 * the balance covers it. One idempotency key per click: a request the network lost and the
 * partner sends again is a second redemption they asked for, so each click is its own.
 */
function Catalog({ locale, token, partner, onRedeemed }: { locale: Locale; token: string; partner: Partner; onRedeemed: (balance: string | number) => void }) {
  const [offers, setOffers] = useState<Offer[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => void request(CatalogDocument, {}, token).then((data) => setOffers(data.me?.pointsCatalog ?? []), setError), [token]);
  if (offers.length === 0 && !error) return null;
  const balance = BigInt(partner.pointsBalance);
  const redeem = async ({ campaignId, item }: Offer) => {
    setBusy(true);
    setDone(null);
    try {
      const { redeemPoints } = await request(RedeemDocument, { campaignId, partnerId: partner.id, itemCode: item.code, idempotencyKey: crypto.randomUUID() }, token);
      onRedeemed(redeemPoints.balance);
      setDone(t(locale, 'catalog.redeemed', { item: item.name, points: formatPoints(locale, redeemPoints.balance) }));
      setError(null);
    } catch (failure) {
      setError(failure as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="catalog">
      <h2>{t(locale, 'catalog.title')}</h2>
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      {error && <ErrorNote locale={locale} error={error} />}
      <ul class="plain offers">
        {offers.map((offer) => (
          <li key={`${offer.campaignId}:${offer.item.code}`} data-item={offer.item.code}>
            <span class="offer-name">{offer.item.name}</span> <span class="muted">{tn(locale, 'catalog.cost', formatPoints('en', offer.item.cost), { points: formatPoints(locale, offer.item.cost) })}</span>{' '}
            <button
              type="button"
              disabled={busy || BigInt(offer.item.cost) > balance}
              aria-label={tn(locale, 'catalog.redeemItem', formatPoints('en', offer.item.cost), { item: offer.item.name, points: formatPoints(locale, offer.item.cost) })}
              onClick={() => void redeem(offer)}
            >
              {t(locale, 'catalog.redeem')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * How far the partner is towards each target of its active campaigns, as the campaigns' schemes
 * report them: the page only draws what the API says, so a new scheme's targets show up here
 * with no change to the page.
 */
function Progress({ locale, token }: { locale: Locale; token: string }) {
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => void request(ProgressDocument, {}, token).then((data) => setTargets(data.me?.progress ?? []), setError), [token]);
  if (error) return <ErrorNote locale={locale} error={error} />;
  if (!targets || targets.length === 0) return null;
  const campaigns = [...new Set(targets.map((target) => target.campaignId))];
  return (
    <section class="progress">
      <h2>{t(locale, 'progress.title')}</h2>
      {campaigns.map((campaignId) => {
        const own = targets.filter((target) => target.campaignId === campaignId);
        return (
          <div key={campaignId} class="campaign-targets">
            <h3>{own[0].campaignName}</h3>
            <ul class="plain targets">
              {own.map((target) => (
                <TargetRow key={`${target.schemeCode}:${target.key}`} locale={locale} target={target} />
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}

function TargetRow({ locale, target }: { locale: Locale; target: Target }) {
  const current = BigInt(target.current);
  const threshold = BigInt(target.threshold);
  const shown = current > threshold ? threshold : current;
  const of = t(locale, 'progress.of', { current: amountIn(locale, target.current, target.unit), threshold: amountIn(locale, target.threshold, target.unit) });
  const label = target.label[locale];
  return (
    <li class={target.reached ? 'target reached' : 'target'} data-target={target.key}>
      <span class="target-label">{label}</span> <span class="target-figures">{of}</span>
      {target.reached && <span class="badge status-approved">{t(locale, 'progress.reached')}</span>}
      {/* Per mille, so a money threshold in the billions still fits the element's number range. */}
      <progress max={1000} value={Number((shown * 1000n) / threshold)} aria-label={`${label}: ${of}`} />
      <span class="muted">
        {t(locale, 'progress.gives', { reward: target.reward[locale] })}
        {target.endsAt && ` · ${t(locale, 'progress.until', { date: lastDay(locale, target.endsAt) })}`}
      </span>
    </li>
  );
}

/** The last day a target counts: `endsAt` is the first instant after it. */
function lastDay(locale: Locale, endsAt: string): string {
  return formatDate(locale, new Date(Date.parse(endsAt) - 1).toISOString());
}

/** A target's figure in its unit: a count, points (hundredths) or money (minor units). */
function amountIn(locale: Locale, value: number | string, unit: string): string {
  if (unit === 'COUNT') return formatCount(locale, value);
  if (unit === 'POINTS') return formatPoints(locale, value);
  return formatMoney(locale, value, unit);
}

/**
 * The downline as a tree of counts: the partner's recruits, theirs below them, and so on, each
 * level one step further in. A partner sees how many, not who: their names are the program's.
 */
function DownlineTree({ locale, levels }: { locale: Locale; levels: Partner['downline']['levels'] }) {
  const [level, ...deeper] = levels;
  if (!level) return null;
  return (
    <ul class="downline-tree">
      <li>
        {t(locale, 'cabinet.downlineLevel', { depth: level.depth, count: formatCount(locale, level.count) })}
        <DownlineTree locale={locale} levels={deeper} />
      </li>
    </ul>
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
      return tn(locale, 'cabinet.pointsAmount', formatPoints('en', reward.amount), { points: formatPoints(locale, reward.amount) });
    case 'LEVEL':
      return t(locale, 'cabinet.level', { level: reward.amount });
    default:
      return `${formatCount(locale, reward.amount)} × ${reward.unit}`;
  }
}

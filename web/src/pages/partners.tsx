import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { ConsolePartnersQuery } from '../gql/graphql';
import { formatCount, t, type Locale, type MessageKey } from '../i18n';
import { ErrorNote } from './notes';

const PartnersDocument = graphql(`
  query ConsolePartners($filter: PartnerFilter, $first: Int!, $after: String) {
    partners(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id
          name
          kind
          status
          level
          referralCode
          region {
            code
          }
          sponsor {
            name
          }
          downline(depth: 1) {
            total
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

type Partner = ConsolePartnersQuery['partners']['edges'][number]['node'];
type Filter = { search?: string; sponsorId?: string };

const PAGE = 20;
/** How long typing pauses before the search is sent: one request per word, not per key. */
const TYPING_PAUSE_MS = 300;

/**
 * The program's partners: found by a part of a name, referral code or external id, and opened
 * down the hierarchy one level at a time (each partner's direct recruits, with theirs below).
 */
export function Partners({ locale, adminKey }: { locale: Locale; adminKey: string }) {
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSearch(typed.trim()), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [typed]);
  return (
    <section class="partners">
      <h2>{t(locale, 'partners.title')}</h2>
      <label class="stacked">
        {t(locale, 'partners.search')}
        <input type="search" value={typed} maxLength={200} onInput={(event) => setTyped((event.target as HTMLInputElement).value)} />
      </label>
      <PartnerList key={search} locale={locale} adminKey={adminKey} filter={search ? { search } : {}} />
    </section>
  );
}

/** One page of partners matching `filter`, more on request; each row opens its recruits below it. */
function PartnerList({ locale, adminKey, filter }: { locale: Locale; adminKey: string; filter: Filter }) {
  const [partners, setPartners] = useState<Partner[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = (after: string | null) =>
    request(PartnersDocument, { filter, first: PAGE, after }, adminKey).then(({ partners: page }) => {
      setPartners((shown) => [...(after ? (shown ?? []) : []), ...page.edges.map((edge) => edge.node)]);
      setNext(page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null);
      setError(null);
    }, setError);
  useEffect(() => void load(null), [adminKey]);
  if (error) return <ErrorNote locale={locale} error={error} />;
  if (!partners) return null;
  if (partners.length === 0) return <p class="muted">{t(locale, filter.sponsorId ? 'partners.noRecruits' : 'partners.none')}</p>;
  return (
    <>
      <ul class="plain partner-list">
        {partners.map((partner) => (
          <PartnerRow key={partner.id} locale={locale} adminKey={adminKey} partner={partner} showSponsor={!filter.sponsorId} />
        ))}
      </ul>
      {next && (
        <button type="button" onClick={() => void load(next)}>
          {t(locale, 'cabinet.more')}
        </button>
      )}
    </>
  );
}

function PartnerRow({ locale, adminKey, partner, showSponsor }: { locale: Locale; adminKey: string; partner: Partner; showSponsor: boolean }) {
  const [open, setOpen] = useState(false);
  const recruits = partner.downline.total;
  const facts = [partner.kind, partner.region?.code, t(locale, 'cabinet.level', { level: partner.level }), partner.referralCode, showSponsor && partner.sponsor && t(locale, 'partners.sponsor', { name: partner.sponsor.name })];
  return (
    <li data-partner={partner.id}>
      <span class="partner-name">{partner.name}</span> <span class={`badge status-${partner.status.toLowerCase()}`}>{t(locale, `partnerStatus.${partner.status}` as MessageKey)}</span>{' '}
      <span class="muted">{facts.filter(Boolean).join(' · ')}</span>{' '}
      {recruits > 0 && (
        <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {t(locale, open ? 'partners.hideRecruits' : 'partners.showRecruits', { count: formatCount(locale, recruits), name: partner.name })}
        </button>
      )}
      {open && (
        <div class="recruits">
          <PartnerList locale={locale} adminKey={adminKey} filter={{ sponsorId: partner.id }} />
        </div>
      )}
    </li>
  );
}

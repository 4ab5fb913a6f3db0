import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { ConsoleCampaignsQuery, ConsolePayoutBatchMutation, ConsoleQueueQuery } from '../gql/graphql';
import { formatDate, formatMoney, t, type Locale, type MessageKey } from '../i18n';
import { CampaignEditor, currencyDigits, toMinor } from './campaign-editor';
import { ErrorNote, FieldError } from './notes';
import { Partners } from './partners';
import { RegionChart } from './region-chart';

const CampaignsDocument = graphql(`
  query ConsoleCampaigns {
    campaigns(first: 100) {
      edges {
        node {
          id
          name
          status
          currency
          startsAt
          endsAt
          schemes {
            schemeCode
          }
        }
      }
    }
  }
`);

const ActivateDocument = graphql(`
  mutation ConsoleActivate($id: ID!) {
    activateCampaign(id: $id) {
      id
      status
    }
  }
`);

const PauseDocument = graphql(`
  mutation ConsolePause($id: ID!) {
    pauseCampaign(id: $id) {
      id
      status
    }
  }
`);

const QueueDocument = graphql(`
  query ConsoleQueue {
    rewards(status: "PENDING", kind: "MONEY", first: 100) {
      edges {
        node {
          id
          amount
          unit
          createdAt
          partner {
            name
          }
          explanation {
            en
            ru
          }
        }
      }
    }
  }
`);

const ApproveDocument = graphql(`
  mutation ConsoleApprove($ids: [ID!]!) {
    approveRewards(ids: $ids) {
      id
      status
    }
  }
`);

const RejectDocument = graphql(`
  mutation ConsoleReject($ids: [ID!]!, $reason: String!) {
    rejectRewards(ids: $ids, reason: $reason) {
      id
      status
    }
  }
`);

const PayoutBatchDocument = graphql(`
  mutation ConsolePayoutBatch($currency: String!, $minimumAmount: BigInt!, $idempotencyKey: String!) {
    createPayoutBatch(currency: $currency, minimumAmount: $minimumAmount, idempotencyKey: $idempotencyKey) {
      id
      currency
      total
      csv
      payouts {
        id
        amount
        entries
        status
        partner {
          name
        }
      }
    }
  }
`);

type Batch = ConsolePayoutBatchMutation['createPayoutBatch'];
type Campaign = ConsoleCampaignsQuery['campaigns']['edges'][number]['node'];
type Pending = ConsoleQueueQuery['rewards']['edges'][number]['node'];

/** The admin key is asked once and kept for this browser tab only (sessionStorage), never in the address. */
const KEY = 'cofactor.adminKey';

/** The program manager's console: campaigns and their status, and the approval queue. */
export function ConsolePage({ locale }: { locale: Locale }) {
  const [key, setKey] = useState(() => sessionStorage.getItem(KEY));
  const [campaignsVersion, setCampaignsVersion] = useState(0);
  const [editing, setEditing] = useState<string | null>(null);
  if (!key) return <KeyForm locale={locale} onKey={(entered) => (sessionStorage.setItem(KEY, entered), setKey(entered))} />;
  const forget = () => {
    sessionStorage.removeItem(KEY);
    setKey(null);
  };
  return (
    <section class="page console">
      <div class="console-head">
        <h1>{t(locale, 'console.title')}</h1>
        <button type="button" onClick={forget}>
          {t(locale, 'console.forget')}
        </button>
      </div>
      <Campaigns locale={locale} adminKey={key} version={campaignsVersion} onEdit={setEditing} />
      <CampaignEditor locale={locale} adminKey={key} editing={editing} onSaved={() => setCampaignsVersion((version) => version + 1)} onCancel={() => setEditing(null)} />
      <Partners locale={locale} adminKey={key} />
      <ApprovalQueue locale={locale} adminKey={key} />
      <Payouts locale={locale} adminKey={key} />
      <RegionChart locale={locale} adminKey={key} />
    </section>
  );
}

function KeyForm({ locale, onKey }: { locale: Locale; onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <section class="page">
      <h1>{t(locale, 'console.title')}</h1>
      <form
        class="key-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) onKey(value.trim());
        }}
      >
        <label for="admin-key">{t(locale, 'console.key')}</label>
        <input id="admin-key" type="password" autocomplete="off" value={value} onInput={(event) => setValue((event.target as HTMLInputElement).value)} />
        <p class="muted">{t(locale, 'console.keyHelp')}</p>
        <button type="submit">{t(locale, 'console.open')}</button>
      </form>
    </section>
  );
}

/** The program's campaigns; read again when `version` changes (a campaign was created). */
function Campaigns({ locale, adminKey, version, onEdit }: { locale: Locale; adminKey: string; version: number; onEdit: (id: string) => void }) {
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = () => request(CampaignsDocument, {}, adminKey).then((data) => (setCampaigns(data.campaigns.edges.map((edge) => edge.node)), setError(null)), setError);
  useEffect(() => void load(), [adminKey, version]);
  const change = async (campaign: Campaign) => {
    try {
      if (campaign.status === 'ACTIVE') await request(PauseDocument, { id: campaign.id }, adminKey);
      else await request(ActivateDocument, { id: campaign.id }, adminKey);
      await load();
    } catch (failure) {
      setError(failure as ApiError);
    }
  };
  return (
    <>
      <h2>{t(locale, 'console.campaigns')}</h2>
      {error && <ErrorNote locale={locale} error={error} />}
      <table class="grid campaigns">
        <thead>
          <tr>
            <th scope="col">{t(locale, 'console.campaign')}</th>
            <th scope="col">{t(locale, 'console.status')}</th>
            <th scope="col">{t(locale, 'console.dates')}</th>
            <th scope="col">{t(locale, 'console.schemes')}</th>
            <th scope="col">
              <span class="visually-hidden">{t(locale, 'console.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {campaigns?.map((campaign) => (
            <tr key={campaign.id} data-campaign={campaign.id}>
              <td>{campaign.name}</td>
              <td class="status">{t(locale, `campaign.${campaign.status}` as MessageKey)}</td>
              <td>
                {formatDate(locale, campaign.startsAt)} – {campaign.endsAt ? formatDate(locale, campaign.endsAt) : '…'}
              </td>
              <td>{campaign.schemes.map((scheme) => scheme.schemeCode).join(', ')}</td>
              <td>
                {['DRAFT', 'PAUSED', 'ACTIVE'].includes(campaign.status) && (
                  <>
                    <button type="button" onClick={() => void change(campaign)}>
                      {t(locale, campaign.status === 'ACTIVE' ? 'console.pause' : 'console.activate')}
                    </button>{' '}
                    <button type="button" aria-label={`${t(locale, 'console.edit')}: ${campaign.name}`} onClick={() => onEdit(campaign.id)}>
                      {t(locale, 'console.edit')}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Money rewards waiting for approval: approve the chosen ones, or reject them with a reason the partner will read. */
function ApprovalQueue({ locale, adminKey }: { locale: Locale; adminKey: string }) {
  const [pending, setPending] = useState<Pending[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const load = () => request(QueueDocument, {}, adminKey).then((data) => setPending(data.rewards.edges.map((edge) => edge.node)), setError);
  useEffect(() => void load(), [adminKey]);
  const act = async (action: 'approve' | 'reject') => {
    try {
      const ids = [...chosen];
      if (action === 'approve') await request(ApproveDocument, { ids }, adminKey);
      else await request(RejectDocument, { ids, reason }, adminKey);
      setChosen(new Set());
      setReason('');
      setError(null);
      await load();
    } catch (failure) {
      setError(failure as ApiError);
    }
  };
  const toggle = (id: string) => setChosen((now) => (now.has(id) ? new Set([...now].filter((other) => other !== id)) : new Set([...now, id])));
  const reasonError = error?.path === 'reason' ? error : null;
  return (
    <>
      <h2>{t(locale, 'console.queue')}</h2>
      {error && !reasonError && <ErrorNote locale={locale} error={error} />}
      {pending?.length === 0 && <p>{t(locale, 'console.queueEmpty')}</p>}
      <ul class="queue">
        {pending?.map((reward) => (
          <li key={reward.id} data-reward={reward.id}>
            <label>
              <input type="checkbox" checked={chosen.has(reward.id)} onChange={() => toggle(reward.id)} />
              <span class="amount">{formatMoney(locale, reward.amount, reward.unit)}</span> {reward.partner.name}{' '}
              <span class="muted">{formatDate(locale, reward.createdAt)}</span>
            </label>
            <p class="explanation">{reward.explanation[locale]}</p>
          </li>
        ))}
      </ul>
      {!!pending?.length && (
        <div class="queue-actions">
          <button type="button" disabled={chosen.size === 0} onClick={() => void act('approve')}>
            {t(locale, 'console.approve', { count: chosen.size })}
          </button>
          <div class="field">
            <label for="reject-reason">{t(locale, 'console.reason')}</label>
            <input id="reject-reason" value={reason} aria-invalid={reasonError ? 'true' : undefined} aria-describedby={reasonError ? 'reject-reason-error' : undefined} onInput={(event) => setReason((event.target as HTMLInputElement).value)} />
            {reasonError && (
              <FieldError locale={locale} id="reject-reason-error" message={reasonError.message} />
            )}
          </div>
          <button type="button" disabled={chosen.size === 0} onClick={() => void act('reject')}>
            {t(locale, 'console.reject', { count: chosen.size })}
          </button>
        </div>
      )}
    </>
  );
}

/** 128 random bits; `crypto.randomUUID` needs a secure context, which a server on a LAN address over HTTP is not. */
function newIdempotencyKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A payout batch of every partner owed at least the minimum in a currency, and its CSV for the
 * bank. The idempotency key is made once per batch, so a retried or doubled click returns the
 * same batch; a new key is made after each batch.
 */
function Payouts({ locale, adminKey }: { locale: Locale; adminKey: string }) {
  const [currency, setCurrency] = useState('RUB');
  const [minimum, setMinimum] = useState('0');
  const [attempt, setAttempt] = useState(() => newIdempotencyKey());
  const [batch, setBatch] = useState<Batch | null>(null);
  const [problem, setProblem] = useState<{ path: string; message: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [csvUrl, setCsvUrl] = useState<string | null>(null);
  useEffect(() => () => void (csvUrl && URL.revokeObjectURL(csvUrl)), [csvUrl]);
  const digits = currencyDigits(currency);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const minimumAmount = toMinor(minimum, digits);
    if (minimumAmount === null) return setProblem({ path: 'minimumAmount', message: t(locale, 'payouts.badAmount', { example: '100.00' }) });
    setProblem(null);
    try {
      const { createPayoutBatch } = await request(PayoutBatchDocument, { currency: currency.trim(), minimumAmount, idempotencyKey: attempt }, adminKey);
      setBatch(createPayoutBatch);
      setCsvUrl(URL.createObjectURL(new Blob([createPayoutBatch.csv], { type: 'text/csv' })));
      setAttempt(newIdempotencyKey());
    } catch (failure) {
      const apiError = failure as ApiError;
      if (apiError.path) setProblem({ path: apiError.path, message: apiError.message });
      else setError(apiError);
    }
  };
  const field = (path: string, label: string, value: string, set: (value: string) => void) => (
    <div class="field">
      <label for={`payout-${path}`}>{label}</label>
      <input id={`payout-${path}`} value={value} aria-invalid={problem?.path === path ? 'true' : undefined} onInput={(event) => set((event.target as HTMLInputElement).value)} />
      {problem?.path === path && (
        <FieldError locale={locale} id={`payout-${path}-error`} message={problem.message} />
      )}
    </div>
  );
  return (
    <form class="payouts" onSubmit={create} noValidate>
      <h2>{t(locale, 'payouts.title')}</h2>
      {error && <ErrorNote locale={locale} error={error} />}
      <div class="queue-actions">
        {field('currency', t(locale, 'payouts.currency'), currency, setCurrency)}
        {field('minimumAmount', t(locale, 'payouts.minimum', { currency }), minimum, setMinimum)}
        <button type="submit">{t(locale, 'payouts.create')}</button>
      </div>
      {batch && (
        <div class="batch" data-batch={batch.id}>
          <p>
            {t(locale, 'payouts.made', { count: batch.payouts.length, total: formatMoney(locale, batch.total, batch.currency) })}{' '}
            {csvUrl && batch.payouts.length > 0 && (
              <a href={csvUrl} download={`payout-batch-${batch.id}.csv`}>
                {t(locale, 'payouts.csv')}
              </a>
            )}
          </p>
          <ul class="plain">
            {batch.payouts.map((payout) => (
              <li key={payout.id}>
                {payout.partner.name}: {formatMoney(locale, payout.amount, batch.currency)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}

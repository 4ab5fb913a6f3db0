import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { ConsoleRegionsQuery } from '../gql/graphql';
import { formatCount, formatMoney, t, type Locale, type MessageKey } from '../i18n';
import { ErrorNote } from './notes';

const RegionsDocument = graphql(`
  query ConsoleRegions($period: AnalyticsPeriodInput!) {
    regionComparison(period: $period) {
      total {
        sales {
          currency
          net
        }
      }
      groups {
        regionCode
        partners {
          active
        }
        sales {
          currency
          net
        }
      }
    }
  }
`);

type Comparison = ConsoleRegionsQuery['regionComparison'];
type Span = 'month' | 'quarter' | 'year';

/** This month, quarter or year by the browser's calendar, as AnalyticsPeriodInput names it. */
function periodOf(span: Span, now = new Date()): { month?: string; quarter?: string; year?: number } {
  const year = now.getFullYear();
  if (span === 'year') return { year };
  if (span === 'quarter') return { quarter: `${year}-Q${Math.floor(now.getMonth() / 3) + 1}` };
  return { month: `${year}-${String(now.getMonth() + 1).padStart(2, '0')}` };
}

const net = (sales: { currency: string; net: number | string }[] | null | undefined, currency: string) => BigInt(sales?.find((row) => row.currency === currency)?.net ?? 0);

/**
 * The top regions side by side (each with its sub-regions): net sales in the program's main
 * currency as bars, with active partners, and the same figures as a table for screen readers.
 */
export function RegionChart({ locale, adminKey }: { locale: Locale; adminKey: string }) {
  const [span, setSpan] = useState<Span>('month');
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => void request(RegionsDocument, { period: periodOf(span) }, adminKey).then((data) => (setComparison(data.regionComparison), setError(null)), setError), [adminKey, span]);
  const currency = comparison?.total.sales?.[0]?.currency ?? null;
  const rows = (comparison?.groups ?? []).map((group) => ({ code: group.regionCode ?? '—', net: currency ? net(group.sales, currency) : 0n, active: group.partners?.active ?? 0 }));
  const widest = rows.reduce((max, row) => (row.net > max ? row.net : max), 1n);
  // Bars take at most 300 of the 640 units, leaving room after the longest for its amount.
  const barHeight = 28;
  return (
    <section class="regions">
      <h2>{t(locale, 'regions.title')}</h2>
      <label>
        {t(locale, 'regions.period')}{' '}
        <select value={span} onChange={(event) => setSpan((event.target as HTMLSelectElement).value as Span)}>
          {(['month', 'quarter', 'year'] as const).map((value) => (
            <option key={value} value={value}>
              {t(locale, `regions.${value}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {error && <ErrorNote locale={locale} error={error} />}
      {comparison && !currency && <p>{t(locale, 'regions.noSales')}</p>}
      {currency && rows.length > 0 && (
        <>
          <svg class="bars" viewBox={`0 0 640 ${rows.length * barHeight}`} role="img" aria-label={t(locale, 'regions.chart', { currency })}>
            {rows.map((row, index) => {
              const width = Number((row.net * 300n) / widest);
              return (
                <g key={row.code} transform={`translate(0 ${index * barHeight})`}>
                  <text x="0" y="19" class="bar-label">
                    {row.code}
                  </text>
                  <rect x="110" y="5" width={Math.max(width, 1)} height={barHeight - 10} rx="3" class="bar" />
                  <text x={118 + width} y="19" class="bar-value">
                    {formatMoney(locale, row.net.toString(), currency)}
                  </text>
                </g>
              );
            })}
          </svg>
          <table class="grid region-table">
            <thead>
              <tr>
                <th scope="col">{t(locale, 'regions.region')}</th>
                <th scope="col" class="number">
                  {t(locale, 'regions.net', { currency })}
                </th>
                <th scope="col" class="number">
                  {t(locale, 'regions.active')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.code}>
                  <td>{row.code}</td>
                  <td class="number">{formatMoney(locale, row.net.toString(), currency)}</td>
                  <td class="number">{formatCount(locale, row.active)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

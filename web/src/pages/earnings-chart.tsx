import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { CabinetSeriesQuery } from '../gql/graphql';
import { formatMoney, t, type Locale } from '../i18n';
import { ErrorNote } from './notes';

const SeriesDocument = graphql(`
  query CabinetSeries($partnerId: ID!, $period: AnalyticsPeriodInput!) {
    sales: partnerSeries(partnerId: $partnerId, metric: NET_SALES, interval: MONTH, period: $period) {
      currency
      points {
        bucket
        value
      }
    }
    earned: partnerSeries(partnerId: $partnerId, metric: REWARD_COST, interval: MONTH, period: $period) {
      currency
      points {
        bucket
        value
      }
    }
  }
`);

type Series = CabinetSeriesQuery['sales'];
const MONTHS = 12;

/** The browser's last twelve months, this one included, as dates the API reads: [first day, first day of next month). */
function lastMonths(now = new Date()): { from: string; to: string } {
  const day = (year: number, month: number) => {
    const date = new Date(Date.UTC(year, month, 1));
    return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-01`;
  };
  return { from: day(now.getFullYear(), now.getMonth() - MONTHS + 1), to: day(now.getFullYear(), now.getMonth() + 1) };
}

interface Row {
  bucket: string;
  sales: bigint;
  earned: bigint;
}

/** Month by month in one currency: net sales and what the partner earned (its money rewards, of the entries written that month). */
function rowsIn(currency: string, sales: Series, earned: Series): Row[] {
  const of = (series: Series) => new Map((series.find((one) => one.currency === currency)?.points ?? []).map((point) => [point.bucket, BigInt(point.value)]));
  const [salesBy, earnedBy] = [of(sales), of(earned)];
  const buckets = (sales[0] ?? earned[0])?.points.map((point) => point.bucket) ?? [];
  return buckets.map((bucket) => ({ bucket, sales: salesBy.get(bucket) ?? 0n, earned: earnedBy.get(bucket) ?? 0n }));
}

/**
 * The partner's net sales and earnings over the last twelve months, per currency: lines drawn
 * by uPlot (loaded with the first chart), and the same figures as a table for screen readers
 * and for reading exact amounts.
 */
export function EarningsChart({ locale, token, partnerId }: { locale: Locale; token: string; partnerId: string }) {
  const [data, setData] = useState<CabinetSeriesQuery | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => void request(SeriesDocument, { partnerId, period: lastMonths() }, token).then(setData, setError), [token, partnerId]);
  if (error) return <ErrorNote locale={locale} error={error} />;
  if (!data) return null;
  const currencies = [...new Set([...data.sales, ...data.earned].map((series) => series.currency).filter((currency): currency is string => currency !== null))];
  if (currencies.length === 0) return null;
  return (
    <section class="earnings">
      <h2>{t(locale, 'chart.title')}</h2>
      {currencies.map((currency) => (
        <CurrencyChart key={currency} locale={locale} currency={currency} rows={rowsIn(currency, data.sales, data.earned)} />
      ))}
    </section>
  );
}

function CurrencyChart({ locale, currency, rows }: { locale: Locale; currency: string; rows: Row[] }) {
  const into = useRef<HTMLDivElement>(null);
  const month = (bucket: string) => new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${bucket}T00:00:00Z`));
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let gone = false;
    void import('../chart').then(({ drawLines }) => {
      if (gone || !into.current) return;
      const compact = new Intl.NumberFormat(locale, { style: 'currency', currency, notation: 'compact' });
      const scale = 10 ** (new Intl.NumberFormat(locale, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2);
      chart = drawLines(
        into.current,
        rows.map((row) => Date.parse(`${row.bucket}T00:00:00Z`) / 1000),
        [
          // Major units as floats only to place pixels; the table below holds the exact amounts.
          { label: t(locale, 'chart.sales'), values: rows.map((row) => Number(row.sales) / scale), color: '#0b5cad' },
          { label: t(locale, 'chart.earned'), values: rows.map((row) => Number(row.earned) / scale), color: '#1e8e3e' },
        ],
        (value) => compact.format(value),
        (seconds) => month(new Date(seconds * 1000).toISOString().slice(0, 10)),
        t(locale, 'chart.month'),
      );
    });
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [locale, currency, rows.map((row) => `${row.bucket}:${row.sales}:${row.earned}`).join()]);
  return (
    <figure class="chart" data-currency={currency}>
      <div ref={into} class="chart-canvas" role="img" aria-label={t(locale, 'chart.label', { currency })} />
      <details>
        <summary>{t(locale, 'chart.figures')}</summary>
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">{t(locale, 'chart.month')}</th>
              <th scope="col" class="number">
                {t(locale, 'chart.sales')}
              </th>
              <th scope="col" class="number">
                {t(locale, 'chart.earned')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.bucket}>
                <td>{month(row.bucket)}</td>
                <td class="number">{formatMoney(locale, row.sales.toString(), currency)}</td>
                <td class="number">{formatMoney(locale, row.earned.toString(), currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import { t, type Locale } from '../i18n';
import { ErrorNote } from './notes';

const SchemesDocument = graphql(`
  query InstalledSchemes {
    rewardSchemes {
      code
      version
      description {
        en
        ru
      }
    }
  }
`);

/** What this server is, and where its pages are. */
export function HomePage({ locale }: { locale: Locale }) {
  const [schemes, setSchemes] = useState<{ code: string; version: string; description: { en: string; ru: string } }[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    request(SchemesDocument, {}, null).then((data) => setSchemes(data.rewardSchemes), setError);
  }, []);
  return (
    <section class="page">
      <h1>{t(locale, 'home.title')}</h1>
      <p>{t(locale, 'home.api')}</p>
      <h2>{t(locale, 'home.pages')}</h2>
      <ul class="plain">
        <li>
          <code>{t(locale, 'home.cabinet')}</code>
        </li>
        <li>
          <code>{t(locale, 'home.board')}</code>
        </li>
        <li>
          <code>{t(locale, 'home.console')}</code>
        </li>
      </ul>
      <h2>{t(locale, 'home.schemes')}</h2>
      {error && <ErrorNote locale={locale} error={error} />}
      <ul class="schemes">
        {schemes?.map((scheme) => (
          <li key={scheme.code}>
            <code>{scheme.code}</code> {scheme.version} — {scheme.description[locale]}
          </li>
        ))}
      </ul>
    </section>
  );
}

import { render } from 'preact';
import { LOCALES, setLocale, t, useLocale, type Locale } from './i18n';
import { BoardPage } from './pages/board';
import { CabinetPage } from './pages/cabinet';
import { ConsolePage } from './pages/console';
import { HomePage } from './pages/home';
import { useRoute } from './route';
import './styles.css';

function LanguageSwitch({ locale }: { locale: Locale }) {
  return (
    <label class="language">
      <span>{t(locale, 'lang.switch')}</span>
      <select value={locale} onChange={(event) => setLocale((event.target as HTMLSelectElement).value as Locale)}>
        {LOCALES.map((code) => (
          <option key={code} value={code}>
            {code === 'ru' ? 'Русский' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}

function Page({ locale, path, params }: { locale: Locale; path: string; params: URLSearchParams }) {
  if (path === '/board') return <BoardPage locale={locale} params={params} />;
  if (path === '/cabinet') return <CabinetPage locale={locale} params={params} />;
  if (path === '/console') return <ConsolePage locale={locale} />;
  return <HomePage locale={locale} />;
}

function App() {
  const locale = useLocale();
  const route = useRoute();
  document.documentElement.lang = locale;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          {t(locale, 'app.name')}
        </a>
        <LanguageSwitch locale={locale} />
      </header>
      <main>
        <Page locale={locale} path={route.path} params={route.params} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

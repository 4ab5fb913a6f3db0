import { render } from 'preact';
import { LOCALES, setLocale, t, useLocale, type Locale } from './i18n';
import { BoardPage } from './pages/board';
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
      <main>{route.path === '/board' ? <BoardPage locale={locale} params={route.params} /> : <HomePage locale={locale} />}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

import type { ApiError } from '../api';
import { inputMessage } from '../api-messages';
import { t, type Locale, type MessageKey } from '../i18n';

const KNOWN = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'RATE_LIMITED', 'QUERY_TOO_COMPLEX', 'NETWORK', 'CONFLICT', 'NOT_FOUND']);

/** An API error in words a person can act on; a wrong input names its field. */
export function ErrorNote({ locale, error }: { locale: Locale; error: ApiError }) {
  const code = KNOWN.has(error.code) ? error.code : 'INTERNAL_SERVER_ERROR';
  const message = error.path ? `${error.path}: ${inputMessage(locale, error.message)}` : inputMessage(locale, error.message);
  return (
    <p class="error" role="alert">
      {t(locale, `error.${code}` as MessageKey, { message })}
    </p>
  );
}

/** A page that needs a partner token, opened without one: what it is and how to open it. */
export function NeedsToken({ locale, title, help }: { locale: Locale; title: MessageKey; help: MessageKey }) {
  return (
    <section class="page">
      <h1>{t(locale, title)}</h1>
      <p>{t(locale, help)}</p>
    </section>
  );
}

/** What is wrong with a field, beside it, in the page's language where the message is a known one. */
export function FieldError({ locale, id, message }: { locale: Locale; id: string; message: string }) {
  return (
    <p id={id} class="field-error" role="alert">
      {inputMessage(locale, message)}
    </p>
  );
}

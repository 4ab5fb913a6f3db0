import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { ArgType, NewCampaignSchemesQuery } from '../gql/graphql';
import { t, type Locale } from '../i18n';
import { ErrorNote } from './notes';

// An arg's definition as the form reads it; objects nest two levels (a list of tiers, each with its fields).
graphql(`
  fragment ArgFields on ArgDefinition {
    name
    type
    list
    required
    min
    max
    minItems
    maxItems
    default
    ui
    label {
      en
      ru
    }
    help {
      en
      ru
    }
    options {
      value
      label {
        en
        ru
      }
    }
  }
`);

const SchemesDocument = graphql(`
  query NewCampaignSchemes {
    rewardSchemes {
      code
      name {
        en
        ru
      }
      args {
        ...ArgFields
        fields {
          ...ArgFields
          fields {
            ...ArgFields
          }
        }
      }
    }
  }
`);

const CreateDocument = graphql(`
  mutation NewCampaign($input: CampaignInput!) {
    createCampaign(input: $input) {
      id
      name
      status
    }
  }
`);

type Scheme = NewCampaignSchemesQuery['rewardSchemes'][number];
interface Definition {
  name: string;
  type: ArgType;
  list: boolean;
  required: boolean;
  min?: string | null;
  max?: string | null;
  default?: unknown;
  label: { en: string; ru: string };
  help?: { en: string; ru: string } | null;
  options?: { value: string; label: { en: string; ru: string } }[] | null;
  fields?: Definition[] | null;
}
/** What a field holds while it is edited: text as typed, a checkbox's state, a list's items, an object's fields. */
type Draft = string | boolean | Draft[] | { [name: string]: Draft };
/** Errors by field path (`schemes[0].args.percent`), from the form's own checks or the API's. */
type Problems = Map<string, string>;

/** Minor units per major unit of a currency (RUB: 2 decimals), as Intl knows it. */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "500.5" in a 2-decimal currency is "50050" minor units, exactly; null for what is not such an amount. */
export function toMinor(text: string, digits: number): string | null {
  const match = /^(-?)(\d+)(?:[.,](\d+))?$/.exec(text.trim());
  if (!match || (match[3] ?? '').length > digits) return null;
  const minor = BigInt(`${match[2]}${(match[3] ?? '').padEnd(digits, '0')}`);
  return `${match[1] && minor !== 0n ? '-' : ''}${minor}`;
}

function toMajor(minor: string, digits: number): string {
  const negative = minor.startsWith('-');
  const units = minor.replace('-', '').padStart(digits + 1, '0');
  return `${negative ? '-' : ''}${digits ? `${units.slice(0, -digits)}.${units.slice(-digits)}` : units}`;
}

function initialDraft(definition: Definition, digits: number, asItem = false): Draft {
  if (definition.list && !asItem) return Array.isArray(definition.default) ? (definition.default as unknown[]).map((item) => draftOf(definition, item, digits)) : [];
  if (definition.type === 'OBJECT') return Object.fromEntries((definition.fields ?? []).map((field) => [field.name, initialDraft(field, digits)]));
  return draftOf(definition, asItem ? undefined : definition.default, digits);
}

function draftOf(definition: Definition, value: unknown, digits: number): Draft {
  if (definition.type === 'OBJECT') {
    const fields = (value ?? {}) as Record<string, unknown>;
    return Object.fromEntries((definition.fields ?? []).map((field) => [field.name, field.name in fields ? draftOf(field, fields[field.name], digits) : initialDraft(field, digits)]));
  }
  if (definition.type === 'BOOLEAN') return value === true;
  if (value === undefined || value === null) return '';
  return definition.type === 'MONEY' ? toMajor(String(value), digits) : String(value);
}

/** The args' JSON form from the drafts; a value the form can tell is wrong is a problem at its path instead. */
function argsOf(definitions: Definition[], drafts: Record<string, Draft>, path: string, digits: number, problems: Problems): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const definition of definitions) {
    const value = valueOf(definition, drafts[definition.name], `${path}.${definition.name}`, digits, problems, false);
    if (value !== undefined) args[definition.name] = value;
  }
  return args;
}

function valueOf(definition: Definition, draft: Draft, path: string, digits: number, problems: Problems, asItem: boolean): unknown {
  if (definition.list && !asItem) return (draft as Draft[]).map((item, index) => valueOf(definition, item, `${path}[${index}]`, digits, problems, true));
  if (definition.type === 'OBJECT') return argsOf(definition.fields ?? [], draft as Record<string, Draft>, path, digits, problems);
  if (definition.type === 'BOOLEAN') return draft;
  const text = String(draft).trim();
  if (text === '') return undefined; // left out: the scheme's default, or the API names it as required
  if (definition.type === 'INT') return /^-?\d+$/.test(text) ? Number(text) : text;
  if (definition.type === 'MONEY') {
    const minor = toMinor(text, digits);
    if (minor === null) problems.set(path, `enter an amount such as ${toMajor('50000', digits)}`);
    return minor ?? undefined;
  }
  return text;
}

/** A field per arg definition: any type, lists and objects, options, bounds and help, its error beside it. */
function ArgField({ locale, definition, draft, path, problems, currency, onChange, asItem = false }: { locale: Locale; definition: Definition; draft: Draft; path: string; problems: Problems; currency: string; onChange: (draft: Draft) => void; asItem?: boolean }) {
  const digits = currencyDigits(currency);
  const id = `field-${path.replace(/[^\w]+/g, '-')}`;
  const label = asItem ? `${definition.label[locale]} ${Number(/\[(\d+)\]$/.exec(path)?.[1] ?? 0) + 1}` : definition.label[locale];
  const problem = [...problems].find(([at]) => at === path)?.[1];
  if (definition.list && !asItem) {
    const items = draft as Draft[];
    return (
      <fieldset class="arg-list">
        <legend>{label}</legend>
        {definition.help && <p class="muted">{definition.help[locale]}</p>}
        {items.map((item, index) => (
          <div class="arg-item" key={index}>
            <ArgField locale={locale} definition={definition} draft={item} path={`${path}[${index}]`} problems={problems} currency={currency} asItem onChange={(next) => onChange(items.map((old, at) => (at === index ? next : old)))} />
            <button type="button" onClick={() => onChange(items.filter((_, at) => at !== index))}>
              {t(locale, 'editor.remove')}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => onChange([...items, initialDraft(definition, digits, true)])}>
          {t(locale, 'editor.add', { what: definition.label[locale] })}
        </button>
        {problem && <FieldError id={`${id}-error`} message={problem} />}
      </fieldset>
    );
  }
  if (definition.type === 'OBJECT') {
    const fields = draft as Record<string, Draft>;
    return (
      <fieldset class="arg-object">
        <legend>{label}</legend>
        {(definition.fields ?? []).map((field) => (
          <ArgField key={field.name} locale={locale} definition={field} draft={fields[field.name]} path={`${path}.${field.name}`} problems={problems} currency={currency} onChange={(next) => onChange({ ...fields, [field.name]: next })} />
        ))}
      </fieldset>
    );
  }
  const described = [definition.help ? `${id}-help` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': described, 'aria-invalid': problem ? ('true' as const) : undefined };
  const bounds = [definition.min != null && t(locale, 'editor.min', { min: definition.min }), definition.max != null && t(locale, 'editor.max', { max: definition.max })].filter(Boolean).join(', ');
  return (
    <div class="field">
      <label for={id}>
        {label}
        {definition.required && ' *'}
        {definition.type === 'PERCENT' && ' (%)'}
        {definition.type === 'MONEY' && ` (${currency})`}
      </label>
      {definition.type === 'BOOLEAN' ? (
        <input {...common} type="checkbox" checked={draft === true} onChange={(event) => onChange((event.target as HTMLInputElement).checked)} />
      ) : definition.type === 'ENUM' ? (
        <select {...common} value={String(draft)} onChange={(event) => onChange((event.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {(definition.options ?? []).map((option) => (
            <option key={option.value} value={option.value}>
              {option.label[locale]}
            </option>
          ))}
        </select>
      ) : (
        <input {...common} inputMode={definition.type === 'STRING' ? undefined : definition.type === 'INT' ? 'numeric' : 'decimal'} value={String(draft)} onInput={(event) => onChange((event.target as HTMLInputElement).value)} />
      )}
      {(definition.help || bounds) && (
        <p id={`${id}-help`} class="muted">
          {[definition.help?.[locale], bounds].filter(Boolean).join(' · ')}
        </p>
      )}
      {problem && <FieldError id={`${id}-error`} message={problem} />}
    </div>
  );
}

function FieldError({ id, message }: { id: string; message: string }) {
  return (
    <p id={id} class="field-error" role="alert">
      {message}
    </p>
  );
}

interface SchemeDraft {
  code: string;
  args: Record<string, Draft>;
}

/**
 * A new campaign: its name, start, currency and hold days, and its schemes, each with a form
 * generated from the scheme's arg definitions, so an installed plugin gets a form with no change
 * here. The API's errors appear beside the fields their paths name; nothing is written until all pass.
 */
export function CampaignEditor({ locale, adminKey, onCreated }: { locale: Locale; adminKey: string; onCreated: () => void }) {
  const [schemes, setSchemes] = useState<Scheme[]>([]);
  const [name, setName] = useState('');
  const [startsAt, setStartsAt] = useState('');
  const [currency, setCurrency] = useState('RUB');
  const [holdDays, setHoldDays] = useState('14');
  const [chosen, setChosen] = useState<SchemeDraft[]>([]);
  const [adding, setAdding] = useState('');
  const [problems, setProblems] = useState<Problems>(new Map());
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  useEffect(() => void request(SchemesDocument, {}, adminKey).then((data) => setSchemes(data.rewardSchemes), setError), [adminKey]);
  const digits = currencyDigits(currency);
  const definitionsOf = (code: string) => (schemes.find((scheme) => scheme.code === code)?.args ?? []) as Definition[];

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Problems = new Map();
    const input = {
      name,
      currency,
      startsAt: startsAt ? new Date(startsAt).toISOString() : undefined,
      holdDays: /^\d+$/.test(holdDays) ? Number(holdDays) : undefined,
      schemes: chosen.map((scheme, index) => ({ code: scheme.code, args: argsOf(definitionsOf(scheme.code), scheme.args, `schemes[${index}].args`, digits, found) })),
    };
    setCreated(null);
    setError(null);
    setProblems(found);
    if (found.size) return;
    try {
      const { createCampaign } = await request(CreateDocument, { input }, adminKey);
      setCreated(createCampaign.name);
      setChosen([]);
      setName('');
      onCreated();
    } catch (failure) {
      const apiError = failure as ApiError;
      // The API names each wrong field by its path under `input`.
      const byPath: Problems = new Map(apiError.issues.map((issue) => [issue.path.replace(/^input\./, ''), issue.message]));
      setProblems(byPath);
      if (!byPath.size) setError(apiError);
    }
  };

  const plain = (path: string, label: string, value: string, set: (value: string) => void, type: 'text' | 'datetime-local' = 'text') => (
    <div class="field">
      <label for={`field-${path}`}>{label}</label>
      <input id={`field-${path}`} type={type as "text"} value={value} aria-invalid={problems.has(path) ? 'true' : undefined} onInput={(event) => set((event.target as HTMLInputElement).value)} />
      {problems.has(path) && <FieldError id={`field-${path}-error`} message={problems.get(path)!} />}
    </div>
  );
  return (
    <form class="editor" onSubmit={submit} noValidate>
      <h2>{t(locale, 'editor.title')}</h2>
      {error && <ErrorNote locale={locale} error={error} />}
      {created && (
        <p class="notice" role="status">
          {t(locale, 'editor.created', { name: created })}
        </p>
      )}
      {plain('name', t(locale, 'editor.name'), name, setName)}
      {plain('startsAt', t(locale, 'editor.startsAt'), startsAt, setStartsAt, 'datetime-local')}
      {plain('currency', t(locale, 'editor.currency'), currency, setCurrency)}
      {plain('holdDays', t(locale, 'editor.holdDays'), holdDays, setHoldDays)}
      {chosen.map((scheme, index) => (
        <fieldset class="scheme" key={`${scheme.code}-${index}`}>
          <legend>{schemes.find((found) => found.code === scheme.code)?.name[locale] ?? scheme.code}</legend>
          {definitionsOf(scheme.code).map((definition) => (
            <ArgField
              key={definition.name}
              locale={locale}
              definition={definition}
              draft={scheme.args[definition.name]}
              path={`schemes[${index}].args.${definition.name}`}
              problems={problems}
              currency={currency}
              onChange={(next) => setChosen(chosen.map((old, at) => (at === index ? { ...old, args: { ...old.args, [definition.name]: next } } : old)))}
            />
          ))}
          <button type="button" onClick={() => setChosen(chosen.filter((_, at) => at !== index))}>
            {t(locale, 'editor.removeScheme')}
          </button>
        </fieldset>
      ))}
      <div class="add-scheme">
        <label for="add-scheme">{t(locale, 'editor.scheme')}</label>
        <select id="add-scheme" value={adding} onChange={(event) => setAdding((event.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {schemes.map((scheme) => (
            <option key={scheme.code} value={scheme.code}>
              {scheme.name[locale]}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={!adding}
          onClick={() => {
            const definitions = definitionsOf(adding);
            setChosen([...chosen, { code: adding, args: Object.fromEntries(definitions.map((definition) => [definition.name, initialDraft(definition, digits)])) }]);
            setAdding('');
          }}
        >
          {t(locale, 'editor.addScheme')}
        </button>
      </div>
      <button type="submit">{t(locale, 'editor.create')}</button>
    </form>
  );
}

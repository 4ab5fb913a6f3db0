import { useEffect, useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { graphql } from '../gql';
import type { ArgType, NewCampaignSchemesQuery, StoredCampaignQuery } from '../gql/graphql';
import { t, type Locale, type MessageKey } from '../i18n';
import { ErrorNote, FieldError } from './notes';

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

const UpdateDocument = graphql(`
  mutation EditCampaign($id: ID!, $input: CampaignInput!) {
    updateCampaign(id: $id, input: $input) {
      id
      name
      status
    }
  }
`);

const StoredDocument = graphql(`
  query StoredCampaign($id: ID!) {
    campaign(id: $id) {
      id
      name
      status
      startsAt
      endsAt
      currency
      holdDays
      budget
      partnerCap
      capPeriod
      targeting {
        partnerKinds
        regionIds
        segments
        levels
      }
      schemes {
        key
        schemeCode
        args
      }
    }
    regions {
      id
      code
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

/** A stored arg's value as the form edits it: a list item by item. */
function storedDraft(definition: Definition, value: unknown, digits: number): Draft {
  if (definition.list) return Array.isArray(value) ? value.map((item) => draftOf(definition, item, digits)) : [];
  return draftOf(definition, value, digits);
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
        {problem && <FieldError locale={locale} id={`${id}-error`} message={problem} />}
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
      {problem && <FieldError locale={locale} id={`${id}-error`} message={problem} />}
    </div>
  );
}


interface SchemeDraft {
  /** The stored instance's key when editing: rewards' idempotency keys name it, so an unchanged scheme keeps it. */
  key?: string;
  code: string;
  args: Record<string, Draft>;
}

/** The partner kinds and segments the contract names, offered as checkboxes; targeting by none of them takes in all. */
const KINDS = ['AMBASSADOR', 'COFACTOR', 'INFLUENCER', 'CONTENT_PARTNER', 'RESELLER', 'AFFILIATE', 'DEALER', 'SERVICE_CENTER'];
const SEGMENTS = ['SMALL', 'MEDIUM', 'LARGE'];
const CAP_PERIODS = ['MONTH', 'QUARTER', 'CAMPAIGN'];

/** Everything but the schemes, as typed. */
interface Terms {
  name: string;
  startsAt: string;
  endsAt: string;
  currency: string;
  holdDays: string;
  budget: string;
  partnerCap: string;
  capPeriod: string;
  kinds: string[];
  segments: string[];
  regionCodes: string;
  levels: string;
}

const NEW_TERMS: Terms = { name: '', startsAt: '', endsAt: '', currency: 'RUB', holdDays: '14', budget: '', partnerCap: '', capPeriod: 'MONTH', kinds: [], segments: [], regionCodes: '', levels: '' };

/** An instant as a `datetime-local` input shows it, in the browser's time zone. */
function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** "MSK, SPB" or "1 2" as a list; empty text is an empty list. */
const listOf = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

/** The input as the API takes it; what the form can tell is wrong is a problem at its path instead. */
function inputOf(terms: Terms, schemes: SchemeDraft[], definitionsOf: (code: string) => Definition[], problems: Problems) {
  const digits = currencyDigits(terms.currency);
  const money = (path: string, text: string) => {
    if (text.trim() === '') return null;
    const minor = toMinor(text, digits);
    if (minor === null) problems.set(path, `enter an amount such as ${toMajor('5000000', digits)}`);
    return minor;
  };
  const levels = listOf(terms.levels).map((level) => (/^\d+$/.test(level) ? Number(level) : (problems.set('targeting.levels', 'enter whole numbers, such as 1 2'), 0)));
  const used = new Map<string, number>();
  return {
    name: terms.name,
    currency: terms.currency,
    startsAt: terms.startsAt ? new Date(terms.startsAt).toISOString() : undefined,
    endsAt: terms.endsAt ? new Date(terms.endsAt).toISOString() : null,
    holdDays: /^\d+$/.test(terms.holdDays) ? Number(terms.holdDays) : undefined,
    budget: money('budget', terms.budget),
    partnerCap: money('partnerCap', terms.partnerCap),
    capPeriod: terms.capPeriod,
    targeting: { partnerKinds: terms.kinds, segments: terms.segments, regionCodes: listOf(terms.regionCodes), levels },
    schemes: schemes.map((scheme, index) => {
      // A scheme used twice needs a key of its own for its slot; the first keeps the code.
      const count = (used.get(scheme.code) ?? 0) + 1;
      used.set(scheme.code, count);
      const key = scheme.key ?? (count > 1 ? `${scheme.code}-${count}` : undefined);
      return { code: scheme.code, ...(key ? { key } : {}), args: argsOf(definitionsOf(scheme.code), scheme.args, `schemes[${index}].args`, digits, problems) };
    }),
  };
}

type Stored = NonNullable<StoredCampaignQuery['campaign']>;

/** A stored campaign as the form shows it: amounts in major units, region ids as their codes, each scheme's args as drafts. */
function storedForm(campaign: Stored, regions: { id: string; code: string }[], definitionsOf: (code: string) => Definition[]): { terms: Terms; chosen: SchemeDraft[] } {
  const codes = new Map(regions.map((region) => [region.id, region.code]));
  const digits = currencyDigits(campaign.currency);
  const major = (minor: unknown) => (minor === null || minor === undefined ? '' : toMajor(String(minor), digits));
  const terms: Terms = {
    name: campaign.name,
    startsAt: localInput(campaign.startsAt),
    endsAt: localInput(campaign.endsAt),
    currency: campaign.currency,
    holdDays: String(campaign.holdDays),
    budget: major(campaign.budget),
    partnerCap: major(campaign.partnerCap),
    capPeriod: campaign.capPeriod,
    kinds: campaign.targeting.partnerKinds,
    segments: campaign.targeting.segments,
    regionCodes: campaign.targeting.regionIds.map((id) => codes.get(id) ?? id).join(', '),
    levels: campaign.targeting.levels.join(' '),
  };
  const chosen = campaign.schemes.map((instance) => {
    const args = instance.args as Record<string, unknown>;
    const drafts = definitionsOf(instance.schemeCode).map((definition) => [definition.name, definition.name in args ? storedDraft(definition, args[definition.name], digits) : initialDraft(definition, digits)]);
    return { key: instance.key, code: instance.schemeCode, args: Object.fromEntries(drafts) as Record<string, Draft> };
  });
  return { terms, chosen };
}

/**
 * A campaign, new or stored: its name, dates, currency, hold days, budget and per-partner cap,
 * who it targets, and its schemes, each with a form generated from the scheme's arg definitions,
 * so an installed plugin gets a form with no change here. The API's errors appear beside the
 * fields their paths name; nothing is written until all pass. Editing keeps each unchanged
 * scheme's key, so the rewards it already paid are never paid again under a new one.
 */
export function CampaignEditor({ locale, adminKey, editing, onSaved, onCancel }: { locale: Locale; adminKey: string; editing: string | null; onSaved: () => void; onCancel: () => void }) {
  const [schemes, setSchemes] = useState<Scheme[]>([]);
  const [terms, setTerms] = useState<Terms>(NEW_TERMS);
  const [chosen, setChosen] = useState<SchemeDraft[]>([]);
  const [adding, setAdding] = useState('');
  const [problems, setProblems] = useState<Problems>(new Map());
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => void request(SchemesDocument, {}, adminKey).then((data) => setSchemes(data.rewardSchemes), setError), [adminKey]);
  const definitionsOf = (code: string) => (schemes.find((scheme) => scheme.code === code)?.args ?? []) as Definition[];
  const digits = currencyDigits(terms.currency);

  useEffect(() => {
    setProblems(new Map());
    setSaved(null);
    if (!editing) {
      setTerms(NEW_TERMS);
      setChosen([]);
      return;
    }
    if (schemes.length === 0) return;
    void request(StoredDocument, { id: editing }, adminKey).then(({ campaign, regions }) => {
      if (!campaign) return setError(new ApiError('NOT_FOUND', `no campaign ${editing}`));
      const form = storedForm(campaign, regions, definitionsOf);
      setTerms(form.terms);
      setChosen(form.chosen);
    }, setError);
  }, [editing, schemes, adminKey]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Problems = new Map();
    const input = inputOf(terms, chosen, definitionsOf, found);
    setSaved(null);
    setError(null);
    setProblems(found);
    if (found.size) return;
    try {
      const result = editing ? (await request(UpdateDocument, { id: editing, input }, adminKey)).updateCampaign : (await request(CreateDocument, { input }, adminKey)).createCampaign;
      setSaved(t(locale, editing ? 'editor.updated' : 'editor.created', { name: result.name }));
      if (!editing) {
        setChosen([]);
        setTerms(NEW_TERMS);
      }
      onSaved();
    } catch (failure) {
      const apiError = failure as ApiError;
      // The API names each wrong field by its path under `input`.
      const byPath: Problems = new Map(apiError.issues.map((issue) => [issue.path.replace(/^input\./, ''), issue.message]));
      setProblems(byPath);
      if (!byPath.size) setError(apiError);
    }
  };

  const set = (name: keyof Terms) => (value: string) => setTerms({ ...terms, [name]: value });
  /** A problem at `path` or under it (`targeting.regionCodes[1]` for the region codes field). */
  const problemAt = (path: string) => [...problems].find(([at]) => at === path || at.startsWith(`${path}[`) || at.startsWith(`${path}.`))?.[1];
  const plain = (path: keyof Terms, label: string, type: 'text' | 'datetime-local' = 'text', help?: string, problemPath: string = path) => (
    <div class="field">
      <label for={`field-${path}`}>{label}</label>
      <input
        id={`field-${path}`}
        type={type as 'text'}
        value={terms[path] as string}
        aria-invalid={problemAt(problemPath) ? 'true' : undefined}
        aria-describedby={help ? `field-${path}-help` : undefined}
        onInput={(event) => set(path)((event.target as HTMLInputElement).value)}
      />
      {help && (
        <p id={`field-${path}-help`} class="muted">
          {help}
        </p>
      )}
      {problemAt(problemPath) && <FieldError locale={locale} id={`field-${path}-error`} message={problemAt(problemPath)!} />}
    </div>
  );
  const checks = (name: 'kinds' | 'segments', legend: string, options: string[], problemPath: string) => (
    <fieldset class="checks">
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option} class="check">
          <input
            type="checkbox"
            checked={terms[name].includes(option)}
            onChange={(event) => setTerms({ ...terms, [name]: (event.target as HTMLInputElement).checked ? [...terms[name], option] : terms[name].filter((chosenOne) => chosenOne !== option) })}
          />{' '}
          {option}
        </label>
      ))}
      {problemAt(problemPath) && <FieldError locale={locale} id={`field-${name}-error`} message={problemAt(problemPath)!} />}
    </fieldset>
  );
  return (
    <form class="editor" onSubmit={submit} noValidate>
      <h2>{editing ? t(locale, 'editor.editTitle', { name: terms.name }) : t(locale, 'editor.title')}</h2>
      {error && <ErrorNote locale={locale} error={error} />}
      {saved && (
        <p class="notice" role="status">
          {saved}
        </p>
      )}
      {plain('name', t(locale, 'editor.name'))}
      {plain('startsAt', t(locale, 'editor.startsAt'), 'datetime-local')}
      {plain('endsAt', t(locale, 'editor.endsAt'), 'datetime-local', t(locale, 'editor.endsAtHelp'))}
      {plain('currency', t(locale, 'editor.currency'))}
      {plain('holdDays', t(locale, 'editor.holdDays'))}
      <fieldset class="limits">
        <legend>{t(locale, 'editor.limits')}</legend>
        {plain('budget', t(locale, 'editor.budget', { currency: terms.currency }), 'text', t(locale, 'editor.budgetHelp'))}
        {plain('partnerCap', t(locale, 'editor.partnerCap', { currency: terms.currency }), 'text', t(locale, 'editor.partnerCapHelp'))}
        <div class="field">
          <label for="field-capPeriod">{t(locale, 'editor.capPeriod')}</label>
          <select id="field-capPeriod" value={terms.capPeriod} onChange={(event) => set('capPeriod')((event.target as HTMLSelectElement).value)}>
            {CAP_PERIODS.map((period) => (
              <option key={period} value={period}>
                {t(locale, `capPeriod.${period}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
      </fieldset>
      <fieldset class="targeting">
        <legend>{t(locale, 'editor.targeting')}</legend>
        <p class="muted">{t(locale, 'editor.targetingHelp')}</p>
        {checks('kinds', t(locale, 'editor.kinds'), KINDS, 'targeting.partnerKinds')}
        {checks('segments', t(locale, 'editor.segments'), SEGMENTS, 'targeting.segments')}
        {plain('regionCodes', t(locale, 'editor.regionCodes'), 'text', t(locale, 'editor.regionCodesHelp'), 'targeting.regionCodes')}
        {plain('levels', t(locale, 'editor.levels'), 'text', t(locale, 'editor.levelsHelp'), 'targeting.levels')}
      </fieldset>
      {chosen.map((scheme, index) => (
        <fieldset class="scheme" key={`${scheme.key ?? scheme.code}-${index}`}>
          <legend>{schemes.find((found) => found.code === scheme.code)?.name[locale] ?? scheme.code}</legend>
          {definitionsOf(scheme.code).map((definition) => (
            <ArgField
              key={definition.name}
              locale={locale}
              definition={definition}
              draft={scheme.args[definition.name]}
              path={`schemes[${index}].args.${definition.name}`}
              problems={problems}
              currency={terms.currency}
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
      <div class="editor-actions">
        <button type="submit">{t(locale, editing ? 'editor.save' : 'editor.create')}</button>
        {editing && (
          <button type="button" onClick={onCancel}>
            {t(locale, 'editor.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

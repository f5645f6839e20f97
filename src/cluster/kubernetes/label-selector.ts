// Checks a label selector (`--labels`, `--namespace-labels`) before it reaches the API server: a typo
// must be a one-line start-up error, not a 400 answered to every list for as long as svcdns runs.
// The grammar is the API server's: requirements joined by commas, each `key`, `!key`, `key=v`,
// `key==v`, `key!=v`, `key in (a,b)`, `key notin (a,b)`, `key>N` or `key<N`.

export type SelectorCheck =
  | { readonly ok: true; readonly selector: string }
  | { readonly ok: false; readonly error: string };

const NAME = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const KEY_CHARS = '[A-Za-z0-9_./-]+';
const VALUE_CHARS = '[A-Za-z0-9_.-]*';

const EXISTS = new RegExp(`^(!?)\\s*(${KEY_CHARS})$`);
const EQUALITY = new RegExp(`^(${KEY_CHARS})\\s*(==|!=|=)\\s*(${VALUE_CHARS})$`);
const COMPARE = new RegExp(`^(${KEY_CHARS})\\s*([<>])\\s*(-?\\d+)$`);
const SET = new RegExp(`^(${KEY_CHARS})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);

class SelectorError extends Error {}

function checkKey(key: string): string {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? null : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== null && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new SelectorError(`"${key}": the prefix before "/" must be a lower-case DNS subdomain`);
  }
  if (!NAME.test(name)) {
    throw new SelectorError(`"${key}" is not a label key (at most 63 letters, digits, "-", "_", "." starting and ending alphanumeric)`);
  }
  return key;
}

function checkValue(value: string): string {
  if (value !== '' && !NAME.test(value)) {
    throw new SelectorError(`"${value}" is not a label value (at most 63 letters, digits, "-", "_", "." starting and ending alphanumeric)`);
  }
  return value;
}

/** Splits on commas outside parentheses (`a in (x,y),b` is two requirements). */
function requirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0) throw new SelectorError('unbalanced ")"');
    if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new SelectorError('unbalanced "("');
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function requirement(text: string): string {
  if (text === '') throw new SelectorError('empty requirement (two commas in a row, or a trailing comma)');
  let m = SET.exec(text);
  if (m) {
    const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
    if (values.length === 1 && values[0] === '') throw new SelectorError(`"${text}": the set of values is empty`);
    return `${checkKey(m[1]!)} ${m[2]} (${values.join(',')})`;
  }
  m = EQUALITY.exec(text);
  if (m) return `${checkKey(m[1]!)}${m[2]}${checkValue(m[3]!)}`;
  m = COMPARE.exec(text);
  if (m) return `${checkKey(m[1]!)}${m[2]}${m[3]}`;
  m = EXISTS.exec(text);
  if (m) return `${m[1]}${checkKey(m[2]!)}`;
  throw new SelectorError(`"${text}" is not a requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`);
}

/** The selector in the API server's spelling, or why it is not one. An empty text selects everything. */
export function checkLabelSelector(text: string): SelectorCheck {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, selector: '' };
  try {
    return { ok: true, selector: requirements(trimmed).map(requirement).join(',') };
  } catch (err) {
    if (err instanceof SelectorError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Both selectors at once (comma = AND); either may be empty. */
export function combineSelectors(...selectors: readonly (string | null | undefined)[]): string {
  return selectors.filter((s): s is string => typeof s === 'string' && s !== '').join(',');
}

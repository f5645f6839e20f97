// Label and field selectors, parsed and matched the way apimachinery's labels/fields packages do.
// Parse failures are values (the server answers them with 400 BadRequest), never exceptions.

export type LabelOperator = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | '>' | '<';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const LABEL_PART = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const KEY_PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

type Token =
  | { t: 'ident'; v: string }
  | { t: ',' | '(' | ')' | '=' | '==' | '!=' | '!' | '>' | '<' | 'in' | 'notin' | 'end' };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    const two = input.slice(i, i + 2);
    if (two === '==' || two === '!=') { tokens.push({ t: two }); i += 2; continue; }
    if (',()=!><'.includes(c)) { tokens.push({ t: c as ',' }); i++; continue; }
    let j = i;
    while (j < input.length && !/[\s,()=!><]/.test(input[j] as string)) j++;
    const word = input.slice(i, j);
    tokens.push(word === 'in' || word === 'notin' ? { t: word } : { t: 'ident', v: word });
    i = j;
  }
  tokens.push({ t: 'end' });
  return tokens;
}

function validKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0 && !KEY_PREFIX.test(key.slice(0, slash))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_PART.test(name);
}

const validValue = (value: string): boolean => value.length <= 63 && LABEL_PART.test(value);

/** Parses `a=b,c!=d,e,!f,g in (x,y),h notin (z),n>1`. The empty string selects everything. */
export function parseLabelSelector(input: string): Parsed<LabelRequirement[]> {
  const tokens = tokenize(input);
  const reqs: LabelRequirement[] = [];
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const fail = (why: string): Parsed<LabelRequirement[]> =>
    ({ ok: false, error: `unable to parse requirement: ${why}` });
  if (peek().t === 'end') return { ok: true, value: [] };
  for (;;) {
    let negated = false;
    if (peek().t === '!') { negated = true; pos++; }
    const keyTok = tokens[pos++] as Token;
    if (keyTok.t !== 'ident') return fail(`found '${keyTok.t}', expected: identifier`);
    if (!validKey(keyTok.v)) return fail(`invalid label key "${keyTok.v}"`);
    const key = keyTok.v;
    const opTok = peek();
    if (negated || opTok.t === ',' || opTok.t === 'end') {
      if (negated && opTok.t !== ',' && opTok.t !== 'end') return fail(`unexpected '${opTok.t}' after '!${key}'`);
      reqs.push({ key, op: negated ? '!' : 'exists', values: [] });
    } else if (opTok.t === '=' || opTok.t === '==' || opTok.t === '!=' || opTok.t === '>' || opTok.t === '<') {
      pos++;
      let value = '';
      const next = peek();
      if (next.t === 'ident') { value = next.v; pos++; }
      if (!validValue(value)) return fail(`invalid label value: "${value}"`);
      if ((opTok.t === '>' || opTok.t === '<') && !/^-?\d+$/.test(value)) {
        return fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      }
      reqs.push({ key, op: opTok.t === '==' ? '=' : opTok.t, values: [value] });
    } else if (opTok.t === 'in' || opTok.t === 'notin') {
      pos++;
      if ((tokens[pos++] as Token).t !== '(') return fail(`found '${peek().t}', expected: '('`);
      const values: string[] = [];
      for (;;) {
        const v = peek();
        if (v.t === 'ident') { values.push(v.v); pos++; } else if (v.t === ',' || v.t === ')') values.push('');
        else return fail(`found '${v.t}', expected: ',', ')' or identifier`);
        const sep = tokens[pos++] as Token;
        if (sep.t === ')') break;
        if (sep.t !== ',') return fail(`found '${sep.t}', expected: ',' or ')'`);
      }
      if (values.length === 1 && values[0] === '') return fail(`for 'in', 'notin' operators, values set can't be empty`);
      for (const value of values) if (!validValue(value)) return fail(`invalid label value: "${value}"`);
      reqs.push({ key, op: opTok.t, values });
    } else {
      return fail(`found '${opTok.t}', expected: '=', '!=', '==', 'in', notin'`);
    }
    const sep = tokens[pos++] as Token;
    if (sep.t === 'end') return { ok: true, value: reqs };
    if (sep.t !== ',') return fail(`found '${sep.t}', expected: ','`);
  }
}

export function labelsMatch(reqs: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const req of reqs) {
    const has = labels !== undefined && Object.hasOwn(labels, req.key);
    const value = has ? labels[req.key] as string : '';
    switch (req.op) {
      case 'exists': if (!has) return false; break;
      case '!': if (has) return false; break;
      case '=': case 'in': if (!has || !req.values.includes(value)) return false; break;
      case '!=': case 'notin': if (has && req.values.includes(value)) return false; break;
      case '>': case '<': {
        if (!has || !/^-?\d+$/.test(value)) return false;
        const diff = Number(value) - Number(req.values[0]);
        if (req.op === '>' ? diff <= 0 : diff >= 0) return false;
        break;
      }
    }
  }
  return true;
}

/** Splits on unescaped commas, then each term on `!=`, `==` or `=`; `\,` `\=` `\\` are escapes. */
export function parseFieldSelector(input: string): Parsed<FieldRequirement[]> {
  const reqs: FieldRequirement[] = [];
  if (input.trim() === '') return { ok: true, value: reqs };
  for (const term of splitUnescaped(input, ',')) {
    const parsed = parseFieldTerm(term);
    if (!parsed.ok) return parsed;
    reqs.push(parsed.value);
  }
  return { ok: true, value: reqs };
}

function parseFieldTerm(term: string): Parsed<FieldRequirement> {
  for (const [opText, op] of [['!=', '!='], ['==', '='], ['=', '=']] as const) {
    const at = indexUnescaped(term, opText);
    if (at < 0) continue;
    const field = term.slice(0, at).trim();
    const value = unescapeFieldValue(term.slice(at + opText.length));
    if (field === '' || value === undefined) break;
    return { ok: true, value: { field, op, value } };
  }
  return { ok: false, error: `invalid selector: '${term}'; can't understand '${term}'` };
}

function splitUnescaped(input: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '\\') { i++; continue; }
    if (input[i] === sep) { parts.push(input.slice(start, i)); start = i + 1; }
  }
  parts.push(input.slice(start));
  return parts;
}

function indexUnescaped(input: string, needle: string): number {
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '\\') { i++; continue; }
    if (input.startsWith(needle, i)) return i;
  }
  return -1;
}

function unescapeFieldValue(raw: string): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== '\\') { out += c; continue; }
    const next = raw[++i];
    if (next !== '\\' && next !== ',' && next !== '=') return undefined;
    out += next;
  }
  return out;
}

/** Checks every field is one the resource supports, as the server does before serving. */
export function unsupportedField(reqs: readonly FieldRequirement[], supported: Record<string, unknown>): string | undefined {
  return reqs.find((r) => !Object.hasOwn(supported, r.field))?.field;
}

export function fieldsMatch(reqs: readonly FieldRequirement[], read: (field: string) => string): boolean {
  for (const req of reqs) {
    const equal = read(req.field) === req.value;
    if (equal !== (req.op === '=')) return false;
  }
  return true;
}

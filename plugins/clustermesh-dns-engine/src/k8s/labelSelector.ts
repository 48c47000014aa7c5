/** A Kubernetes label selector (`matchLabels`, `matchExpressions`). @public */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label selector semantics; an absent selector admits everything. @public */
export function selectorAdmits(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels[k] !== String(v)) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const values = (e.values ?? []).map(String);
    if (e.operator === 'In' && !(has && values.includes(labels[e.key])))
      return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key]))
      return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** One requirement of a selector in string syntax (`app=web`, `tier in (a,b)`, `!legacy`). @public */
export interface SelectorRequirement {
  key: string;
  operator: '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | '>' | '<';
  values: string[];
}

const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether a text is a DNS subdomain, as Kubernetes requires of most object names. */
export const isDnsSubdomain = (name: string) =>
  name.length <= 253 && DNS_SUBDOMAIN.test(name);

/** Why a label key is invalid (Kubernetes' qualified-name rule), or undefined. */
function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (
    prefix !== undefined &&
    (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253)
  )
    return `the key "${key}" has an invalid prefix (a DNS subdomain)`;
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name))
    return `the key "${key}" is not a valid label key (at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends)`;
  return undefined;
}

function valueProblem(value: string): string | undefined {
  return value.length > 63 || !LABEL_VALUE.test(value)
    ? `the value "${value}" is not a valid label value (at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends)`
    : undefined;
}

type Token =
  | { t: 'id'; v: string }
  | { t: '!' | '=' | '==' | '!=' | ',' | '(' | ')' | '>' | '<' | 'end' };

const SPECIAL = new Set(['!', '=', ',', '(', ')', '<', '>']);
const isBlank = (c: string) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r';

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (isBlank(c)) {
      i++;
    } else if (c === '!' && text[i + 1] === '=') {
      tokens.push({ t: '!=' });
      i += 2;
    } else if (c === '=' && text[i + 1] === '=') {
      tokens.push({ t: '==' });
      i += 2;
    } else if (SPECIAL.has(c)) {
      tokens.push({ t: c as '!' | '=' | ',' | '(' | ')' | '<' | '>' });
      i++;
    } else {
      let j = i;
      while (j < text.length && !SPECIAL.has(text[j]) && !isBlank(text[j])) j++;
      tokens.push({ t: 'id', v: text.slice(i, j) });
      i = j;
    }
  }
  tokens.push({ t: 'end' });
  return tokens;
}

/**
 * Parses a label selector in Kubernetes' string syntax (what `kubectl -l`,
 * kustomize's `labelSelector` and `annotationSelector` take): requirements
 * separated by commas, each `key`, `!key`, `key=value`, `key==value`,
 * `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key>1` or `key<1`.
 * Returns the requirements, or why the text is not a selector.
 *
 * @public
 */
export function parseSelectorString(
  text: string,
): { requirements: SelectorRequirement[] } | { error: string } {
  const tokens = tokenize(text);
  const requirements: SelectorRequirement[] = [];
  let i = 0;
  const peek = () => tokens[i];
  const id = (what: string): string | { error: string } => {
    const tok = tokens[i++];
    return tok.t === 'id' ? tok.v : { error: `expected ${what} in "${text}"` };
  };
  if (peek().t === 'end') return { requirements };
  for (;;) {
    let requirement: SelectorRequirement;
    if (peek().t === '!') {
      i++;
      const key = id('a key after "!"');
      if (typeof key !== 'string') return key;
      requirement = { key, operator: '!', values: [] };
    } else {
      const key = id('a key');
      if (typeof key !== 'string') return key;
      const op = peek();
      if (op.t === ',' || op.t === 'end') {
        requirement = { key, operator: 'exists', values: [] };
      } else if (op.t === '=' || op.t === '==' || op.t === '!=') {
        i++;
        const next = peek();
        let value = '';
        if (next.t === 'id') {
          value = next.v;
          i++;
        }
        requirement = {
          key,
          operator: op.t === '!=' ? '!=' : '=',
          values: [value],
        };
      } else if (op.t === '>' || op.t === '<') {
        i++;
        const value = id(`a number after "${op.t}"`);
        if (typeof value !== 'string') return value;
        if (!/^-?\d+$/.test(value))
          return { error: `"${value}" after "${op.t}" is not an integer` };
        requirement = { key, operator: op.t, values: [value] };
      } else if (op.t === 'id' && (op.v === 'in' || op.v === 'notin')) {
        i++;
        const values = parseValues(tokens, i);
        if ('error' in values)
          return { error: `${values.error} in the values of "${key}"` };
        i = values.next;
        requirement = { key, operator: op.v, values: values.values };
      } else {
        return { error: `unexpected text after the key "${key}" in "${text}"` };
      }
    }
    const problem =
      keyProblem(requirement.key) ??
      (requirement.operator === '>' || requirement.operator === '<'
        ? undefined
        : requirement.values.map(valueProblem).find(Boolean));
    if (problem) return { error: problem };
    requirements.push(requirement);
    const sep = tokens[i++];
    if (sep.t === 'end') return { requirements };
    if (sep.t !== ',')
      return { error: `expected "," between requirements in "${text}"` };
  }
}

/** The values of `in (...)`/`notin (...)` as Kubernetes reads them: `()`, `(a,)` and `(,a)` include "". */
function parseValues(
  tokens: Token[],
  start: number,
): { values: string[]; next: number } | { error: string } {
  let i = start;
  if (tokens[i++].t !== '(') return { error: 'expected "("' };
  const values = new Set<string>();
  if (tokens[i].t === ')') return { values: [''], next: i + 1 };
  for (;;) {
    const tok = tokens[i++];
    if (tok.t === 'id') {
      values.add(tok.v);
      const after = tokens[i];
      if (after.t === ')') return { values: [...values], next: i + 1 };
      if (after.t !== ',') return { error: 'expected "," or ")"' };
    } else if (tok.t === ',') {
      if (values.size === 0) values.add('');
      const after = tokens[i];
      if (after.t === ')') {
        values.add('');
        return { values: [...values], next: i + 1 };
      }
      if (after.t === ',') {
        i++;
        values.add('');
      }
    } else {
      return { error: 'expected "," or a value' };
    }
  }
}

/** Whether labels (or annotations) satisfy every requirement. @public */
export function requirementsAdmit(
  requirements: readonly SelectorRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every(r => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.operator) {
      case '=':
      case 'in':
        return has && r.values.includes(value!);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(value!);
      case 'exists':
        return has;
      case '!':
        return !has;
      default: {
        if (!has || !/^-?\d+$/.test(value!)) return false;
        const n = Number(value);
        const limit = Number(r.values[0]);
        return r.operator === '>' ? n > limit : n < limit;
      }
    }
  });
}

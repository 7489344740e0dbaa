import { pyRepr, valueError } from './errors.js';

/**
 * Odoo domains: parsing the prefix notation into a tree, and the semantics of each operator on
 * one stored value (SQL-like: `!=`, `not in` and the negative `like`s also match unset values).
 */

/** Every comparison operator Odoo 17 accepts in a leaf. */
export const OPERATORS = new Set([
  '=', '!=', '<=', '<', '>', '>=', '=?', '=like', '=ilike', 'like', 'not like', 'ilike', 'not ilike',
  'in', 'not in', 'child_of', 'parent_of', 'any', 'not any',
]);

/** A domain leaf as written: `[path, operator, value]`. */
export interface DomainLeaf {
  kind: 'leaf';
  path: string;
  op: string;
  value: unknown;
  raw: unknown;
}

/** A parsed domain. */
export type DomainNode =
  | { kind: 'and'; children: DomainNode[] }
  | { kind: 'or'; children: DomainNode[] }
  | { kind: 'not'; child: DomainNode }
  | { kind: 'true' }
  | { kind: 'false' }
  | DomainLeaf;

function parseLeaf(element: unknown): DomainNode {
  if (!Array.isArray(element) || element.length !== 3) throw valueError(`Invalid leaf ${pyRepr(element)}`);
  const [left, rawOp, right] = element as [unknown, unknown, unknown];
  // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
  if ((left === 1 || left === 0) && rawOp === '=' && right === 1) return { kind: left === 1 ? 'true' : 'false' };
  if (typeof left !== 'string' || left === '' || typeof rawOp !== 'string') throw valueError(`Invalid leaf ${pyRepr(element)}`);
  let op = rawOp.toLowerCase();
  if (op === '<>') op = '!=';
  if (op === '==') op = '=';
  if (!OPERATORS.has(op)) throw valueError(`Invalid leaf ${pyRepr(element)}`);
  if ((op === 'any' || op === 'not any') && !Array.isArray(right)) throw valueError(`Invalid leaf ${pyRepr(element)}`);
  return { kind: 'leaf', path: left, op, value: right, raw: element };
}

/** Parses a domain (a list in prefix notation, top-level terms joined by `&`); throws ValueError like Odoo on malformed input. */
export function parseDomain(domain: unknown): DomainNode {
  if (domain === undefined || domain === null || domain === false || domain === '') return { kind: 'and', children: [] };
  if (!Array.isArray(domain)) throw valueError(`Domains to normalize must have a 'domain' form: a list or tuple of domain components`);
  let pos = 0;
  const term = (): DomainNode => {
    if (pos >= domain.length) throw valueError(`Domain ${pyRepr(domain)} is syntactically not correct.`);
    const token = domain[pos++];
    if (token === '&' || token === '|') {
      const a = term();
      const b = term();
      return { kind: token === '&' ? 'and' : 'or', children: [a, b] };
    }
    if (token === '!') return { kind: 'not', child: term() };
    return parseLeaf(token);
  };
  const children: DomainNode[] = [];
  while (pos < domain.length) children.push(term());
  return children.length === 1 ? children[0]! : { kind: 'and', children };
}

/** Calls fn on every leaf of a tree. */
export function forEachLeaf(node: DomainNode, fn: (leaf: DomainLeaf) => void): void {
  switch (node.kind) {
    case 'leaf':
      fn(node);
      return;
    case 'and':
    case 'or':
      for (const c of node.children) forEachLeaf(c, fn);
      return;
    case 'not':
      forEachLeaf(node.child, fn);
      return;
    default:
      return;
  }
}

/** Builds a RegExp from a SQL LIKE pattern (`%` any run, `_` one character, backslash escapes). */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
}

/** Whether a stored value counts as unset (`= False`). */
export function isUnset(value: unknown): boolean {
  return value === false || value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** A compiled comparison on one stored scalar or id list. */
export type ValueTest = (value: unknown) => boolean;

const normalizeScalar = (v: unknown): unknown => (v === null || v === undefined ? false : v);

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && !Number.isNaN(Number(b))) return a - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return undefined;
}

const looseEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && Number(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return a.trim() !== '' && Number(a) === b;
  return false;
};

/**
 * Compiles `op value` into a test on a stored value. `isList` is true for x2many fields (the
 * stored value is an id list), `isBoolean` for boolean fields (where unset means false).
 */
export function compileTest(op: string, target: unknown, kind: { isList: boolean; isBoolean: boolean }, rawLeaf: unknown): ValueTest {
  const t = normalizeScalar(target);
  if (kind.isList) {
    const ids = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    switch (op) {
      case '=':
        return t === false ? (v) => ids(v).length === 0 : (v) => ids(v).some((x) => looseEqual(x, t));
      case '!=':
        return t === false ? (v) => ids(v).length > 0 : (v) => !ids(v).some((x) => looseEqual(x, t));
      case '=?':
        return t === false ? () => true : (v) => ids(v).some((x) => looseEqual(x, t));
      case 'in':
      case 'not in': {
        const list = Array.isArray(t) ? t : [t];
        const set = new Set(list);
        const wantsEmpty = set.has(false);
        const hit = (v: unknown) => (ids(v).length === 0 ? wantsEmpty : ids(v).some((x) => set.has(x)));
        return op === 'in' ? hit : (v) => !hit(v);
      }
      default:
        throw valueError(`Invalid leaf ${pyRepr(rawLeaf)}`);
    }
  }
  const unset = (v: unknown) => (kind.isBoolean ? v !== true : isUnset(v));
  switch (op) {
    case '=':
      if (t === false) return unset;
      if (kind.isBoolean) return t === true ? (v) => v === true : unset;
      return (v) => looseEqual(v, t);
    case '=?':
      if (t === false) return () => true;
      return kind.isBoolean ? (v) => (v === true) === (t === true) : (v) => looseEqual(v, t);
    case '!=':
      if (t === false) return (v) => !unset(v);
      if (kind.isBoolean) return t === true ? (v) => v !== true : (v) => v === true;
      return (v) => unset(v) || !looseEqual(v, t);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (t === false) return () => false;
      return (v) => {
        if (unset(v) && !kind.isBoolean) return false;
        const c = compare(v, t);
        if (c === undefined) return false;
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      };
    }
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike':
    case 'not like':
    case 'not ilike': {
      const ci = op.includes('ilike');
      const negative = op.startsWith('not');
      if (t === false) return negative ? (v) => !unset(v) : unset;
      const pattern = op.startsWith('=') ? String(t) : `%${String(t)}%`;
      const re = likeToRegExp(pattern, ci);
      const positive = (v: unknown) => !unset(v) && re.test(String(v));
      // SQL's NOT LIKE is completed by Odoo with "OR column IS NULL"
      return negative ? (v) => !positive(v) : positive;
    }
    case 'in':
    case 'not in': {
      const list = Array.isArray(t) ? t : [t];
      const wantsUnset = list.some((x) => x === false || x === null);
      const values = list.filter((x) => x !== false && x !== null);
      const set = new Set<unknown>(values);
      for (const x of values) {
        if (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x))) set.add(Number(x));
        if (typeof x === 'number') set.add(String(x));
      }
      const hit = (v: unknown) => (unset(v) ? wantsUnset || (kind.isBoolean && set.has(false)) : set.has(v));
      return op === 'in' ? hit : (v) => !hit(v);
    }
    default:
      throw valueError(`Invalid leaf ${pyRepr(rawLeaf)}`);
  }
}

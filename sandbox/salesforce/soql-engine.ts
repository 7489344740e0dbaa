import { isSalesforceId, toSalesforceId18 } from '../world/salesforce-id.js';
import {
  errorPosition,
  parseSoql,
  parseSosl,
  SoqlError,
  type CompareOp,
  type Condition,
  type FieldRef,
  type Literal,
  type OrderItem,
  type SearchReturning,
} from './soql-parser.js';
import { findSObject, isIdType, isNumberType, isTextType, type SfField, type SfObject } from './schema.js';
import type { ObjectStore, SfRecord } from './store.js';

/** What queries run against. */
export interface QueryContext {
  stores: ReadonlyMap<string, ObjectStore>;
  /** The sandbox clock, for date words such as TODAY. */
  now: Date;
  /** `/services/data/vNN.N`, for `attributes.url`. */
  apiBase: string;
}

/** A field path resolved against the metadata: the references walked, then the field read. */
interface BoundPath {
  steps: SfField[];
  field: SfField;
}

type Bound =
  | { kind: 'and' | 'or'; items: Bound[] }
  | { kind: 'not'; item: Bound }
  | { kind: 'compare'; path: BoundPath; op: CompareOp; value: BoundValue }
  | { kind: 'in'; path: BoundPath; negated: boolean; values: BoundValue[] }
  | { kind: 'like'; path: BoundPath; pattern: RegExp };

/** A literal converted to the field's type. */
type BoundValue =
  | { kind: 'null' }
  | { kind: 'text'; value: string }
  | { kind: 'id'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'instant'; value: number }
  | { kind: 'range'; start: number; end: number };

/** The result of a SOQL query before paging into batches. */
export interface QueryOutcome {
  object: string;
  totalSize: number;
  /** Projected records (empty for COUNT()). */
  records: Record<string, unknown>[];
}

const FIELD_HINT = "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";

function invalidField(source: string, pos: number, message: string): SoqlError {
  return new SoqlError('INVALID_FIELD', `\n${source.slice(0, 200)}\n${errorPosition(source, pos)}\n${message}`);
}

function resolveObject(name: string, source: string, pos: number): SfObject {
  const o = findSObject(name);
  if (!o) {
    throw new SoqlError('INVALID_TYPE', `\n${source.slice(0, 200)}\n${errorPosition(source, pos)}\nsObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  return o;
}

function bindPath(root: SfObject, ref: FieldRef, source: string): BoundPath {
  const steps: SfField[] = [];
  let current = root;
  for (let k = 0; k < ref.path.length - 1; k++) {
    const rel = current.relationshipsByLower.get(ref.path[k]!.toLowerCase());
    if (!rel) {
      throw invalidField(source, ref.pos, `Didn't understand relationship '${ref.path[k]}' in field path. ${FIELD_HINT}`);
    }
    steps.push(rel);
    current = findSObject(rel.referenceTo!)!;
  }
  const last = ref.path[ref.path.length - 1]!;
  const field = current.fieldsByLower.get(last.toLowerCase());
  if (!field) throw invalidField(source, ref.pos, `No such column '${last}' on entity '${current.name}'. ${FIELD_HINT}`);
  return { steps, field };
}

function bindValue(path: BoundPath, literal: Literal, source: string, now: Date): BoundValue {
  const f = path.field;
  const mismatch = (expected: string, quoted: boolean) =>
    invalidField(source, literal.pos, `value of filter criterion for field '${f.name}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`);
  if (literal.kind === 'null') return { kind: 'null' };
  if (isIdType(f.type)) {
    if (literal.kind !== 'string') throw mismatch('id', true);
    if (!isSalesforceId(literal.value)) {
      throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `\n${source.slice(0, 200)}\n${errorPosition(source, literal.pos)}\ninvalid ID field: ${literal.value}`);
    }
    return { kind: 'id', value: toSalesforceId18(literal.value) };
  }
  if (isTextType(f.type)) {
    if (literal.kind !== 'string') throw mismatch('string', true);
    return { kind: 'text', value: literal.value.toLowerCase() };
  }
  if (isNumberType(f.type)) {
    if (literal.kind !== 'number') throw mismatch(f.type === 'int' ? 'integer' : 'double', false);
    return { kind: 'number', value: literal.value };
  }
  if (f.type === 'boolean') {
    if (literal.kind !== 'boolean') throw mismatch('boolean', false);
    return { kind: 'boolean', value: literal.value };
  }
  if (f.type === 'datetime') {
    if (literal.kind === 'datetime') return { kind: 'instant', value: literal.value };
    if (literal.kind === 'dateRange') return { kind: 'range', ...literal.resolve(now) };
    throw mismatch('dateTime', false);
  }
  throw mismatch(f.type, false);
}

function bindCondition(root: SfObject, cond: Condition, source: string, now: Date): Bound {
  switch (cond.kind) {
    case 'and':
    case 'or':
      return { kind: cond.kind, items: cond.items.map((c) => bindCondition(root, c, source, now)) };
    case 'not':
      return { kind: 'not', item: bindCondition(root, cond.item, source, now) };
    case 'compare': {
      const path = bindPath(root, { path: cond.path, pos: cond.pathPos }, source);
      return { kind: 'compare', path, op: cond.op, value: bindValue(path, cond.value, source, now) };
    }
    case 'in': {
      const path = bindPath(root, { path: cond.path, pos: cond.pathPos }, source);
      return { kind: 'in', path, negated: cond.negated, values: cond.values.map((v) => bindValue(path, v, source, now)) };
    }
    case 'like': {
      const path = bindPath(root, { path: cond.path, pos: cond.pathPos }, source);
      if (!isTextType(path.field.type) && !isIdType(path.field.type)) {
        throw invalidField(source, cond.pathPos, `invalid operator on field '${path.field.name}': LIKE applies to text fields only`);
      }
      return { kind: 'like', path, pattern: cond.pattern };
    }
    default: {
      const never: never = cond;
      return never;
    }
  }
}

/** Reads a (possibly relationship) path from a record; null when a lookup on the way is empty. */
function readPath(ctx: QueryContext, record: SfRecord, path: BoundPath): unknown {
  let current: SfRecord | undefined = record;
  for (const step of path.steps) {
    const id: unknown = current[step.name];
    if (typeof id !== 'string') return null;
    current = ctx.stores.get(step.referenceTo!)?.get(id);
    if (!current) return null;
  }
  return current[path.field.name] ?? null;
}

function toComparable(field: SfField, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (field.type === 'datetime') return Date.parse(String(value).replace(/\+0000$/, 'Z'));
  if (isTextType(field.type)) return String(value).toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

function compare(op: CompareOp, actual: string | number | boolean | null, expected: BoundValue): boolean {
  if (expected.kind === 'null') {
    if (op === '=') return actual === null;
    if (op === '!=') return actual !== null;
    return false;
  }
  // SOQL is not three-valued: a null field is simply "not equal" to a value.
  if (actual === null) return op === '!=';
  if (expected.kind === 'range') {
    const t = actual as number;
    switch (op) {
      case '=':
        return t >= expected.start && t < expected.end;
      case '!=':
        return t < expected.start || t >= expected.end;
      case '<':
        return t < expected.start;
      case '<=':
        return t < expected.end;
      case '>':
        return t >= expected.end;
      case '>=':
        return t >= expected.start;
    }
  }
  const e = expected.value;
  switch (op) {
    case '=':
      return actual === e;
    case '!=':
      return actual !== e;
    case '<':
      return actual < e;
    case '<=':
      return actual <= e;
    case '>':
      return actual > e;
    case '>=':
      return actual >= e;
  }
}

function evaluate(ctx: QueryContext, record: SfRecord, cond: Bound): boolean {
  switch (cond.kind) {
    case 'and':
      return cond.items.every((c) => evaluate(ctx, record, c));
    case 'or':
      return cond.items.some((c) => evaluate(ctx, record, c));
    case 'not':
      return !evaluate(ctx, record, cond.item);
    case 'compare':
      return compare(cond.op, toComparable(cond.path.field, readPath(ctx, record, cond.path)), cond.value);
    case 'in': {
      const actual = toComparable(cond.path.field, readPath(ctx, record, cond.path));
      const hit = cond.values.some((v) => compare('=', actual, v));
      return cond.negated ? !hit : hit;
    }
    case 'like': {
      const actual = readPath(ctx, record, cond.path);
      return actual !== null && cond.pattern.test(String(actual));
    }
    default: {
      const never: never = cond;
      return never;
    }
  }
}

/** Uses an equality index when a top-level conjunct allows it, so that by-id and by-parent reads never scan. */
function candidates(store: ObjectStore, where: Bound | undefined): Iterable<SfRecord> {
  if (!where) return store.all();
  const conjuncts = where.kind === 'and' ? where.items : [where];
  for (const c of conjuncts) {
    if ((c.kind !== 'compare' || c.op !== '=') && (c.kind !== 'in' || c.negated)) continue;
    if (c.path.steps.length > 0 || !store.isIndexed(c.path.field.name)) continue;
    const values = c.kind === 'compare' ? [c.value] : c.values;
    if (values.some((v) => v.kind === 'range' || v.kind === 'instant')) continue;
    const ids = new Set<string>();
    for (const v of values) {
      const key = v.kind === 'null' || v.kind === 'range' ? null : v.value;
      for (const id of store.lookup(c.path.field.name, key) ?? []) ids.add(id);
    }
    return [...ids].sort().map((id) => store.get(id)!);
  }
  return store.all();
}

function sortRecords(ctx: QueryContext, records: SfRecord[], order: { path: BoundPath; item: OrderItem }[]): void {
  if (order.length === 0) return;
  const keyed = records.map((r) => ({ r, keys: order.map((o) => toComparable(o.path.field, readPath(ctx, r, o.path))) }));
  keyed.sort((a, b) => {
    for (let k = 0; k < order.length; k++) {
      const { item } = order[k]!;
      const x = a.keys[k]!;
      const y = b.keys[k]!;
      if (x === y) continue;
      if (x === null) return item.nullsLast ? 1 : -1;
      if (y === null) return item.nullsLast ? -1 : 1;
      const cmp = x < y ? -1 : 1;
      return item.descending ? -cmp : cmp;
    }
    return 0;
  });
  for (let i = 0; i < keyed.length; i++) records[i] = keyed[i]!.r;
}

/** Projects a record onto selected paths, nesting relationship fields as Salesforce does. */
export function projectRecord(ctx: QueryContext, object: SfObject, record: SfRecord, paths: BoundPath[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: object.name, url: `${ctx.apiBase}/sobjects/${object.name}/${record.Id as string}` } };
  for (const path of paths) {
    let container = out;
    let current: SfRecord | undefined = record;
    let broken = false;
    for (const step of path.steps) {
      const rel = step.relationshipName!;
      const id: unknown = current[step.name];
      const target: SfRecord | undefined = typeof id === 'string' ? ctx.stores.get(step.referenceTo!)?.get(id) : undefined;
      if (!target) {
        if (!(rel in container)) container[rel] = null;
        broken = true;
        break;
      }
      if (!container[rel]) container[rel] = { attributes: { type: step.referenceTo, url: `${ctx.apiBase}/sobjects/${step.referenceTo}/${target.Id as string}` } };
      container = container[rel] as Record<string, unknown>;
      current = target;
    }
    if (!broken) container[path.field.name] = current[path.field.name] ?? null;
  }
  return out;
}

/** Binds `fields` (all of them when absent) for projection. */
export function bindFields(object: SfObject, refs: FieldRef[] | null, source: string): BoundPath[] {
  if (!refs) return [];
  const seen = new Set<string>();
  const out: BoundPath[] = [];
  for (const ref of refs) {
    const key = ref.path.join('.').toLowerCase();
    if (seen.has(key)) {
      throw new SoqlError('MALFORMED_QUERY', `\n${source.slice(0, 200)}\n${errorPosition(source, ref.pos)}\nduplicate field selected: ${ref.path.join('.')}`);
    }
    seen.add(key);
    out.push(bindPath(object, ref, source));
  }
  return out;
}

/** The paths of every field of an object (for retrieves without `fields`). */
export function allFieldPaths(object: SfObject): BoundPath[] {
  return object.fields.map((field) => ({ steps: [], field }));
}

/** The maximum OFFSET Salesforce accepts. */
export const MAX_OFFSET = 2000;

function runSelect(
  ctx: QueryContext,
  object: SfObject,
  spec: { fields: FieldRef[] | null; where?: Condition; orderBy: OrderItem[]; limit?: number; offset?: number },
  source: string,
): QueryOutcome {
  const store = ctx.stores.get(object.name)!;
  const paths = bindFields(object, spec.fields, source);
  const where = spec.where ? bindCondition(object, spec.where, source, ctx.now) : undefined;
  const order = spec.orderBy.map((item) => ({ item, path: bindPath(object, { path: item.path, pos: item.pathPos }, source) }));
  if (spec.offset !== undefined && spec.offset > MAX_OFFSET) {
    throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }
  const matched: SfRecord[] = [];
  for (const r of candidates(store, where)) if (!where || evaluate(ctx, r, where)) matched.push(r);
  sortRecords(ctx, matched, order);
  const offset = spec.offset ?? 0;
  const end = spec.limit === undefined ? matched.length : Math.min(matched.length, offset + spec.limit);
  const page = matched.slice(offset, Math.max(offset, end));
  if (spec.fields === null) return { object: object.name, totalSize: page.length, records: [] };
  return { object: object.name, totalSize: page.length, records: page.map((r) => projectRecord(ctx, object, r, paths)) };
}

/** Runs a SOQL query. Throws SoqlError with Salesforce's error code on any problem. */
export function executeSoql(ctx: QueryContext, soql: string): QueryOutcome {
  const stmt = parseSoql(soql);
  const object = resolveObject(stmt.object, soql, stmt.objectPos);
  return runSelect(ctx, object, stmt, soql);
}

/** The object a SOQL query reads, or undefined when it does not parse (for naming the operation). */
export function soqlObjectName(soql: string): string | undefined {
  const m = /\bfrom\s+([A-Za-z_][A-Za-z0-9_]*)/i.exec(soql);
  return m ? (findSObject(m[1]!)?.name ?? m[1]) : undefined;
}

function searchable(object: SfObject, scope: 'ALL' | 'NAME' | 'EMAIL' | 'PHONE'): SfField[] {
  return object.fields.filter((f) => {
    if (!isTextType(f.type)) return false;
    if (scope === 'NAME') return !!f.nameField;
    if (scope === 'EMAIL') return f.type === 'email';
    if (scope === 'PHONE') return f.type === 'phone';
    return true;
  });
}

/** Runs a SOSL search: terms match whole words, `*` a word prefix, all terms must match. */
export function executeSosl(ctx: QueryContext, sosl: string): { searchRecords: Record<string, unknown>[]; objects: string[] } {
  const stmt = parseSosl(sosl);
  const terms = stmt.text
    .replace(/["()]/g, ' ')
    .split(/\s+/)
    .filter((t) => t && !/^(AND|OR)$/i.test(t))
    .map((t) => t.toLowerCase());
  if (terms.length === 0 || terms.join('').replace(/\*/g, '').length < 2) {
    throw new SoqlError('MALFORMED_SEARCH', 'search term must be longer than one character');
  }
  const matchers = terms.map((t) => (t.endsWith('*') ? (w: string) => w.startsWith(t.slice(0, -1)) : (w: string) => w === t));
  const returning: SearchReturning[] = stmt.returning.length
    ? stmt.returning
    : [{ object: 'Account', objectPos: 0, fields: [], orderBy: [] }, { object: 'Contact', objectPos: 0, fields: [], orderBy: [] }];
  const out: Record<string, unknown>[] = [];
  const objects: string[] = [];
  for (const entry of returning) {
    const object = resolveObject(entry.object, sosl, entry.objectPos);
    objects.push(object.name);
    const fields = searchable(object, stmt.scope);
    const paths = entry.fields.length ? bindFields(object, entry.fields, sosl) : [{ steps: [], field: object.fieldsByLower.get('id')! }];
    const where = entry.where ? bindCondition(object, entry.where, sosl, ctx.now) : undefined;
    const order = entry.orderBy.map((item) => ({ item, path: bindPath(object, { path: item.path, pos: item.pathPos }, sosl) }));
    const hits: SfRecord[] = [];
    for (const r of ctx.stores.get(object.name)!.all()) {
      const words = new Set<string>();
      for (const f of fields) {
        const v = r[f.name];
        if (typeof v === 'string') for (const w of v.toLowerCase().split(/[^\p{L}\p{N}@.]+/u)) if (w) words.add(w);
      }
      if (!matchers.every((m) => [...words].some(m))) continue;
      if (where && !evaluate(ctx, r, where)) continue;
      hits.push(r);
    }
    sortRecords(ctx, hits, order);
    const limited = hits.slice(0, Math.min(entry.limit ?? 2000, stmt.limit ?? 2000));
    for (const r of limited) out.push(projectRecord(ctx, object, r, paths));
  }
  return { searchRecords: out.slice(0, stmt.limit ?? 2000), objects };
}

/** Binds a retrieve's `fields` list (comma-separated names, no relationships). */
export function bindRetrieveFields(object: SfObject, names: string[] | undefined): BoundPath[] {
  if (!names) return allFieldPaths(object);
  const paths: BoundPath[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (!name) continue;
    const field = object.fieldsByLower.get(name.toLowerCase());
    if (!field) throw new SoqlError('INVALID_FIELD', `No such column '${name}' on sobject of type ${object.name}`);
    if (!paths.some((p) => p.field === field)) paths.push({ steps: [], field });
  }
  return paths;
}

import { Kind, parse, type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode, type TypeNode } from 'graphql';

/**
 * The spec our two lifetime directives are linked from. `@cacheControl` is Apollo's directive
 * unchanged (Apollo Server, Hive Gateway and Yoga read it by name); `@staleWindow` is ours, because
 * Apollo's definition has no stale windows. Both are composed into the supergraph with
 * `@composeDirective`, which needs a `@link` to a spec URL that is not Apollo's.
 */
export const CACHE_SPEC_URL = 'https://specs.customer360.example/cache/v1.0';

/** The definitions every subgraph SDL carries (and the supergraph keeps), verbatim. */
export const CACHE_DIRECTIVE_DEFINITIONS = `enum CacheControlScope {
  PUBLIC
  PRIVATE
}
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
directive @staleWindow(whileRevalidate: Int, ifError: Int) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION`;

/** What `@cacheControl` and `@staleWindow` say on one type or field, in seconds. */
export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
  /** The field (or every field returning the type) takes the lifetime of the field holding it. */
  inheritMaxAge?: boolean;
  /** Seconds past maxAge served at once while one refresh runs; default: maxAge. */
  staleWhileRevalidate?: number;
  /** Seconds past maxAge served when the source fails or is over budget; default (and floor): staleWhileRevalidate. */
  staleIfError?: number;
}

/** A resolved lifetime, in seconds: how long data is fresh, then how long it may be served stale. */
export interface Lifetime {
  maxAge: number;
  staleWhileRevalidate: number;
  staleIfError: number;
}

/** The lifetimes a schema declares: hints by type name and by field coordinate `Type.field`. */
export interface CacheLifetimes {
  readonly hints: ReadonlyMap<string, Readonly<CacheHint>>;
  /** The named return type of every field coordinate of the schema (a field takes its type's lifetime). */
  readonly fieldTypes: ReadonlyMap<string, string>;
  /** Every object, interface and union type of the schema. */
  readonly types: ReadonlySet<string>;
}

/** Overrides of declared lifetimes by type or field coordinate (seconds); unset parts keep the declaration. */
export type LifetimeOverrides = Readonly<Record<string, Readonly<Partial<Lifetime>>>>;

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function intArg(directive: ConstDirectiveNode, name: string, where: string): number | undefined {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  if (arg.value.kind !== Kind.INT) throw new TypeError(`@${directive.name.value}(${name}:) on ${where} must be an integer of seconds`);
  const value = Number(arg.value.value);
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`@${directive.name.value}(${name}:) on ${where} must be >= 0, got ${value}`);
  return value;
}

/** Local names of the two directives: as imported from the cache spec (`as` renames followed), else their own. */
function directiveNames(doc: DocumentNode): { cacheControl: string; staleWindow: string } {
  const names = { cacheControl: 'cacheControl', staleWindow: 'staleWindow' };
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of def.directives ?? []) {
      const url = link.arguments?.find((a) => a.name.value === 'url')?.value;
      const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
      if (link.name.value !== 'link' || url?.kind !== Kind.STRING || url.value !== CACHE_SPEC_URL || imports?.kind !== Kind.LIST) continue;
      for (const item of imports.values) {
        if (item.kind !== Kind.OBJECT) continue;
        const field = (n: string) => {
          const v = item.fields.find((f) => f.name.value === n)?.value;
          return v?.kind === Kind.STRING ? v.value.replace(/^@/, '') : undefined;
        };
        const name = field('name');
        const as = field('as');
        if (as && (name === 'cacheControl' || name === 'staleWindow')) names[name] = as;
      }
    }
  }
  return names;
}

/**
 * Reads the lifetimes declared in an SDL (a subgraph's or the composed supergraph): `@cacheControl`
 * and `@staleWindow` on object, interface and union types and on their fields, type extensions
 * included. Throws a TypeError naming a malformed declaration.
 */
export function cacheLifetimesOf(sdl: string | DocumentNode): CacheLifetimes {
  const doc = typeof sdl === 'string' ? parse(sdl) : sdl;
  const names = directiveNames(doc);
  const hints = new Map<string, CacheHint>();
  const fieldTypes = new Map<string, string>();
  const types = new Set<string>();
  const read = (directives: readonly ConstDirectiveNode[] | undefined, where: string) => {
    const hint: CacheHint = { ...hints.get(where) };
    let found = false;
    for (const directive of directives ?? []) {
      if (directive.name.value === names.cacheControl) {
        found = true;
        const maxAge = intArg(directive, 'maxAge', where);
        if (maxAge !== undefined) hint.maxAge = maxAge;
        const scope = directive.arguments?.find((a) => a.name.value === 'scope')?.value;
        if (scope?.kind === Kind.ENUM && (scope.value === 'PUBLIC' || scope.value === 'PRIVATE')) hint.scope = scope.value;
        const inherit = directive.arguments?.find((a) => a.name.value === 'inheritMaxAge')?.value;
        if (inherit?.kind === Kind.BOOLEAN && inherit.value) hint.inheritMaxAge = true;
      } else if (directive.name.value === names.staleWindow) {
        found = true;
        const whileRevalidate = intArg(directive, 'whileRevalidate', where);
        const ifError = intArg(directive, 'ifError', where);
        if (whileRevalidate !== undefined) hint.staleWhileRevalidate = whileRevalidate;
        if (ifError !== undefined) hint.staleIfError = ifError;
      }
    }
    if (!found) return;
    if (hint.maxAge !== undefined && hint.inheritMaxAge) throw new TypeError(`@cacheControl on ${where} sets both maxAge and inheritMaxAge`);
    hints.set(where, hint);
  };
  for (const def of doc.definitions) {
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION: {
        const type = def.name.value;
        types.add(type);
        read(def.directives, type);
        for (const field of (def.fields ?? []) as readonly FieldDefinitionNode[]) {
          const coordinate = `${type}.${field.name.value}`;
          fieldTypes.set(coordinate, namedType(field.type));
          read(field.directives, coordinate);
        }
        break;
      }
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        types.add(def.name.value);
        read(def.directives, def.name.value);
        break;
      default:
        break;
    }
  }
  return { hints, fieldTypes, types };
}

/** A hint's lifetime with the defaults applied: stale-while-revalidate = maxAge, stale-if-error at least that. */
export function resolveHint(hint: Readonly<CacheHint> & { maxAge: number }): Lifetime {
  const staleWhileRevalidate = hint.staleWhileRevalidate ?? hint.maxAge;
  return { maxAge: hint.maxAge, staleWhileRevalidate, staleIfError: Math.max(hint.staleIfError ?? staleWhileRevalidate, staleWhileRevalidate) };
}

/** The hint a coordinate takes its lifetime from: its own with maxAge, else (a field not inheriting) its return type's. */
function sourceHint(lifetimes: CacheLifetimes, coordinate: string): (Readonly<CacheHint> & { maxAge: number }) | undefined {
  const own = lifetimes.hints.get(coordinate);
  if (own?.maxAge !== undefined) return own as CacheHint & { maxAge: number };
  const type = lifetimes.fieldTypes.get(coordinate);
  if (type === undefined || own?.inheritMaxAge) return undefined;
  const typeHint = lifetimes.hints.get(type);
  return typeHint?.maxAge !== undefined ? (typeHint as CacheHint & { maxAge: number }) : undefined;
}

/**
 * The lifetime a type or field coordinate declares: a type's own `maxAge`; a field's own, else
 * (unless it inherits) that of the type it returns. Undefined when it declares none.
 */
export function lifetimeOf(lifetimes: CacheLifetimes, coordinate: string): Lifetime | undefined {
  const hint = sourceHint(lifetimes, coordinate);
  return hint ? resolveHint(hint) : undefined;
}

/**
 * The lifetimes with overrides applied. An override replaces only what it names: a new maxAge with
 * no stale-while-revalidate of its own moves an undeclared window along (the window is maxAge by
 * default). An override of a field that took its type's lifetime starts from the type's
 * declaration and applies to that field alone. Throws a TypeError naming a coordinate the schema
 * lacks or a value that is not a whole number of seconds.
 */
export function withOverrides(lifetimes: CacheLifetimes, overrides: LifetimeOverrides, option = 'overrides'): CacheLifetimes {
  const entries = Object.entries(overrides);
  if (entries.length === 0) return lifetimes;
  const hints = new Map(lifetimes.hints);
  for (const [coordinate, override] of entries) {
    if (!lifetimes.types.has(coordinate) && !lifetimes.fieldTypes.has(coordinate)) throw new TypeError(`${option}["${coordinate}"] names no type or field of the schema`);
    for (const [part, value] of Object.entries(override)) {
      if (value === undefined) continue;
      if (part !== 'maxAge' && part !== 'staleWhileRevalidate' && part !== 'staleIfError') throw new TypeError(`${option}["${coordinate}"].${part} is not a lifetime setting (maxAge, staleWhileRevalidate, staleIfError)`);
      if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${option}["${coordinate}"].${part} must be a whole number of seconds >= 0, got ${String(value)}`);
    }
    const own = hints.get(coordinate);
    const base = sourceHint({ ...lifetimes, hints }, coordinate) ?? {};
    const next: CacheHint = { ...base, ...(own?.scope ? { scope: own.scope } : {}), inheritMaxAge: undefined };
    if (override.maxAge !== undefined) next.maxAge = override.maxAge;
    if (override.staleWhileRevalidate !== undefined) next.staleWhileRevalidate = override.staleWhileRevalidate;
    if (override.staleIfError !== undefined) next.staleIfError = override.staleIfError;
    if (next.maxAge === undefined) throw new TypeError(`${option}["${coordinate}"] needs a maxAge: the schema declares none there`);
    delete next.inheritMaxAge;
    hints.set(coordinate, next);
  }
  return { ...lifetimes, hints };
}

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  buildASTSchema,
  getNamedType,
  isCompositeType,
  isNonNullType,
  isObjectType,
  parse,
  type DocumentNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { readAuthDirectives, type AuthPolicyMap } from '../../platform/authz/directives.js';

/** The supergraph as committed, its API schema (what clients query) and its auth directives. */
export interface Supergraph {
  sdl: string;
  schema: GraphQLSchema;
  policies: AuthPolicyMap;
}

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/** Reads schema/supergraph.graphql: join/link machinery is ignored by the walk, @inaccessible elements are left out. */
export function loadSupergraph(path = resolve(ROOT, 'schema/supergraph.graphql')): Supergraph {
  const sdl = readFileSync(path, 'utf8');
  const doc: DocumentNode = parse(sdl);
  return { sdl, schema: buildASTSchema(doc, { assumeValidSDL: true }), policies: readAuthDirectives(doc) };
}

/** One field of a generated selection tree. */
export interface FieldSpec {
  /** Field name in the schema. */
  name: string;
  /** Parent type name. */
  parent: string;
  /** Named return type. */
  returnType: string;
  /** `Parent.field`. */
  coordinate: string;
  /** Printed arguments, `(first: 2)`, or ''. */
  args: string;
  /** Whether the field's type is non-null (no null may stand in its place but for a removed field). */
  nonNull: boolean;
  /** Sub-selections of a composite field (never empty); undefined for leaves. */
  children?: FieldSpec[];
}

/** Values for the arguments of one field, printed as GraphQL literals. */
export type ArgValues = Record<string, string | number>;

function isInaccessible(field: GraphQLField<unknown, unknown>): boolean {
  return (field.astNode?.directives ?? []).some((d) => d.name.value === 'inaccessible');
}

function printArgs(values: ArgValues): string {
  const parts = Object.entries(values).map(([k, v]) => `${k}: ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  return parts.length ? `(${parts.join(', ')})` : '';
}

/** Page size of every connection in generated queries: small answers, lists still exercised. */
export const PAGE_SIZE = 2;

function nestedArgs(field: GraphQLField<unknown, unknown>): ArgValues | null {
  const values: ArgValues = {};
  for (const arg of field.args) {
    if (arg.name === 'first') values.first = PAGE_SIZE;
    else if (isNonNullType(arg.type) && arg.defaultValue === undefined) return null; // a required argument we cannot invent
  }
  return values;
}

/**
 * Every field reachable from one root field: composite fields are expanded wherever they occur,
 * except where the field's type is already an ancestor on the path (Customer -> orders -> Order ->
 * customer would loop), so the tree is finite and every path is a minimal way to reach its field.
 */
export function fieldTree(schema: GraphQLSchema, rootField: string, rootArgs: ArgValues): FieldSpec {
  const query = schema.getQueryType()!;
  const field = query.getFields()[rootField];
  if (!field) throw new Error(`no Query.${rootField} in the supergraph`);
  const build = (parent: GraphQLObjectType, f: GraphQLField<unknown, unknown>, args: string, ancestors: readonly string[]): FieldSpec | null => {
    const named = getNamedType(f.type);
    const spec: FieldSpec = { name: f.name, parent: parent.name, returnType: named.name, coordinate: `${parent.name}.${f.name}`, args, nonNull: isNonNullType(f.type) };
    if (!isCompositeType(named)) return spec;
    if (!isObjectType(named)) throw new Error(`${spec.coordinate}: abstract types are not walked yet (${named.name})`);
    const path = [...ancestors, named.name];
    const children: FieldSpec[] = [];
    for (const child of Object.values(named.getFields())) {
      if (child.name.startsWith('_') || isInaccessible(child)) continue;
      if (path.includes(getNamedType(child.type).name)) continue;
      const childArgs = nestedArgs(child);
      if (childArgs === null) continue;
      const built = build(named, child, printArgs(childArgs), path);
      if (built) children.push(built);
    }
    if (children.length === 0) return null;
    spec.children = children;
    return spec;
  };
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined).map((a) => a.name);
  const missing = required.filter((a) => rootArgs[a] === undefined);
  if (missing.length) throw new Error(`Query.${rootField} needs values for ${missing.join(', ')}`);
  const spec = build(query, field, printArgs(rootArgs), [query.name]);
  if (!spec) throw new Error(`Query.${rootField} selects nothing`);
  return spec;
}

/** The root fields of the API schema (the entry points). */
export function entryPoints(schema: GraphQLSchema): string[] {
  return Object.values(schema.getQueryType()!.getFields())
    // rateLimit answers about the caller's own budget (the gateway's own subgraph): no record is behind it.
    .filter((f) => !f.name.startsWith('_') && !isInaccessible(f) && f.name !== 'rateLimit')
    .map((f) => f.name);
}

/** Prints `{ root(args) { ... } }` for a tree. */
export function printQuery(tree: FieldSpec): string {
  const print = (spec: FieldSpec): string => `${spec.name}${spec.args}${spec.children ? ` { ${spec.children.map(print).join(' ')} }` : ''}`;
  return `{ ${print(tree)} }`;
}

/** Every field of a tree with its response path (root first). */
export function* walkTree(tree: FieldSpec, path: string[] = []): Generator<{ spec: FieldSpec; path: string[] }> {
  const here = [...path, tree.name];
  yield { spec: tree, path: here };
  for (const child of tree.children ?? []) yield* walkTree(child, here);
}

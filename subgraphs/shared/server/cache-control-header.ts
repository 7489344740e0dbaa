import { getNamedType, Kind, TypeInfo, visit, visitWithTypeInfo, BREAK, type DocumentNode, type GraphQLSchema } from 'graphql';
import { readAuthDirectives } from '../../../platform/authz/directives.js';
import { cacheLifetimesOf } from '../../../platform/cache-lifetimes/index.js';

/**
 * Where an answer depends on who asks beyond the scopes it was allowed with: fields and types
 * carrying a `@policy` (its rows are filtered per principal, e.g. a partner's own customers) or
 * declared `@cacheControl(scope: PRIVATE)`.
 */
export interface PrivateCoordinates {
  /** `Type.field` coordinates. */
  fields: ReadonlySet<string>;
  /** Types: every field returning one of them is private. */
  types: ReadonlySet<string>;
}

/** The private coordinates of a subgraph SDL. */
export function privateCoordinatesOf(typeDefs: string | DocumentNode): PrivateCoordinates {
  const auth = readAuthDirectives(typeDefs);
  const fields = new Set<string>();
  const types = new Set<string>();
  for (const [coordinate, requirement] of auth.fields) if (requirement.policies.length > 0) fields.add(coordinate);
  for (const [type, requirement] of auth.types) if (requirement.policies.length > 0) types.add(type);
  for (const [coordinate, hint] of cacheLifetimesOf(typeDefs).hints) {
    if (hint.scope === 'PRIVATE') (coordinate.includes('.') ? fields : types).add(coordinate);
  }
  return { fields, types };
}

const selections = new WeakMap<DocumentNode, boolean>();

/** Whether an operation selects a private field (memoized per parsed document, which Apollo reuses for one query text). */
export function selectsPrivate(schema: GraphQLSchema, document: DocumentNode, coordinates: PrivateCoordinates): boolean {
  const known = selections.get(document);
  if (known !== undefined) return known;
  let found = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD](node) {
        const parent = typeInfo.getParentType();
        const type = typeInfo.getType();
        if ((parent && coordinates.fields.has(`${parent.name}.${node.name.value}`)) || (type && coordinates.types.has(getNamedType(type).name))) {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  selections.set(document, found);
  return found;
}

/** What decides an answer's Cache-Control. */
export interface AnswerFacts {
  /** A mutation, or an operation that could not be read (no-store). */
  mutation: boolean;
  /** The answer carries errors (no-store: a failure is not to be replayed). */
  errors: boolean;
  /** Records were served stale (no-store: a cache must not keep stale data as fresh). */
  stale: boolean;
  /** A write changed entities (no-store). */
  invalidated: boolean;
  /** What `extensions.freshForMs` says: how long every record in the answer stays fresh; undefined when none came through a record cache. */
  freshForMs: number | undefined;
  /** The principal's rows are filtered to its own (a partner). */
  rowFiltered: boolean;
  /** The operation selects a private field (see PrivateCoordinates). */
  selectsPrivate: boolean;
}

/**
 * The standard `Cache-Control` of a subgraph answer, so that a response cache over the subgraphs
 * (Apollo Router's, Hive Gateway's HTTP cache) keeps it as long as our own caches would:
 * `max-age` is the remaining freshness of the records it holds (`freshForMs`, in whole seconds,
 * floored), which is their declared lifetime minus their age; `private` when the answer depends on
 * who asks; `no-store` for mutations, errors, stale data, writes, and answers whose freshness is
 * unknown (nothing came through a record cache) or under a second.
 */
export function cacheControlOf(facts: AnswerFacts): string {
  if (facts.mutation || facts.errors || facts.stale || facts.invalidated || facts.freshForMs === undefined) return 'no-store';
  const maxAge = Math.floor(facts.freshForMs / 1000);
  if (!(maxAge >= 1)) return 'no-store';
  return `${facts.rowFiltered || facts.selectsPrivate ? 'private' : 'public'}, max-age=${maxAge}`;
}

import { getNamedType, isCompositeType, Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { resolveHint, type CacheLifetimes, type Lifetime } from './cache-lifetimes.js';

/** The cache policy of an operation's answer: the shortest lifetime of what it selects, and its scope. */
export interface OperationLifetime extends Lifetime {
  /** PRIVATE when a field or type it selects is declared `@cacheControl(scope: PRIVATE)`. */
  scope: 'PUBLIC' | 'PRIVATE';
}

/**
 * The lifetime of an operation's answer, by Apollo's `@cacheControl` rules: each field takes its own
 * hint, else (returning an object, interface or union) its type's; a field or type with
 * `inheritMaxAge`, and a leaf field without a hint, takes the lifetime of the field holding it; a
 * root field or a field returning an object with no hint takes `defaults` (Apollo's defaultMaxAge).
 * The answer lives as long as its shortest-lived field, and each stale window is the smallest of
 * the fields'. Every operation and fragment of the document counts, which can only shorten it.
 * `lifetimes` are looked up by type and field name, so a subgraph's schema can be walked with the
 * supergraph's declarations. An operation that selects nothing but `__typename` gets `defaults`.
 */
export function operationLifetime(schema: GraphQLSchema, document: DocumentNode, lifetimes: CacheLifetimes, defaults: Lifetime): OperationLifetime {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t) => t !== null && t !== undefined));
  const typeInfo = new TypeInfo(schema);
  let maxAge = Number.POSITIVE_INFINITY;
  let staleWhileRevalidate = Number.POSITIVE_INFINITY;
  let staleIfError = Number.POSITIVE_INFINITY;
  let scope: OperationLifetime['scope'] = 'PUBLIC';
  const restrict = (lifetime: Lifetime) => {
    maxAge = Math.min(maxAge, lifetime.maxAge);
    staleWhileRevalidate = Math.min(staleWhileRevalidate, lifetime.staleWhileRevalidate);
    staleIfError = Math.min(staleIfError, lifetime.staleIfError);
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD](node) {
        // __typename says nothing about the data's age.
        if (node.name.value === '__typename') return;
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return restrict(defaults);
        const named = getNamedType(field.type);
        const fieldHint = lifetimes.hints.get(`${parent.name}.${field.name}`);
        const typeHint = isCompositeType(named) ? lifetimes.hints.get(named.name) : undefined;
        if (fieldHint?.scope === 'PRIVATE' || typeHint?.scope === 'PRIVATE') scope = 'PRIVATE';
        const root = roots.has(parent as never);
        if (fieldHint?.maxAge !== undefined) return restrict(resolveHint(fieldHint as typeof fieldHint & { maxAge: number }));
        // A field that inherits says nothing of its own; at the root there is nothing to inherit.
        if (fieldHint?.inheritMaxAge) return root ? restrict(defaults) : undefined;
        if (typeHint?.maxAge !== undefined) return restrict(resolveHint(typeHint as typeof typeHint & { maxAge: number }));
        if (typeHint?.inheritMaxAge) return root ? restrict(defaults) : undefined;
        if (root || isCompositeType(named)) return restrict(defaults);
        return undefined;
      },
    }),
  );
  if (maxAge === Number.POSITIVE_INFINITY) return { ...defaults, scope };
  return { maxAge, staleWhileRevalidate, staleIfError, scope };
}

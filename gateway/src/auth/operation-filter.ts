import {
  Kind,
  getNamedType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { fieldRequirement, type AuthPolicyMap } from '../../../subgraphs/shared/authz/directives.js';
import type { Principal } from '../../../subgraphs/shared/authz/principal.js';
import {
  ROW_FILTER_POLICIES,
  andRequirements,
  checkRequirement,
  describeRequirement,
  type AuthRequirement,
  type PolicyEvaluator,
} from '../../../subgraphs/shared/authz/requirements.js';

/** A field taken out of the operation because the principal may not see it. */
export interface RemovedField {
  /** Response keys from the root (aliases respected, no list indices). */
  path: string[];
  message: string;
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
  /**
   * Set when the removed field is non-null: the null propagates, as GraphQL requires, to the
   * nearest nullable field above it (`[]` means the whole `data` is null). List items are not
   * addressed: the null lands on the nearest nullable field, which keeps the answer valid.
   */
  nullPath?: string[];
}

/** Input of {@link filterOperation}. */
export interface FilterOperationInput {
  /** The API schema built from the supergraph (what clients query). */
  schema: GraphQLSchema;
  /** `readAuthDirectives(supergraphSdl)`. */
  policies: AuthPolicyMap;
  document: DocumentNode;
  operationName?: string | null;
  /** The verified principal; null = unauthenticated. */
  principal: Principal | null;
  /** Named `@policy` evaluators. Default: `partner_owns_customer` passes (a row filter in the subgraphs); unknown policies deny. */
  policyEvaluators?: Readonly<Record<string, PolicyEvaluator>>;
}

/** Output of {@link filterOperation}. */
export interface FilterOperationResult {
  /**
   * The document to plan: the original object when nothing was removed; otherwise the selected
   * operation alone, named fragments inlined, unused variable definitions dropped.
   */
  document: DocumentNode;
  /**
   * Every removed field. A selection set left empty removes its parent field too; that parent is
   * not listed itself: the removed children are, and {@link applyRemovedFields} answers null at
   * the parent (the first missing key along a path).
   */
  removed: RemovedField[];
  /**
   * False when nothing of the operation is left: the document then selects only `__typename`
   * (still valid) and the caller should answer `applyRemovedFields({}, removed)` without executing.
   */
  executable: boolean;
  /** Variable definitions dropped because no remaining field uses them. */
  removedVariables: string[];
}

const requirementCache = new WeakMap<AuthPolicyMap, WeakMap<GraphQLSchema, Map<string, AuthRequirement>>>();

/** The field's requirement: its own, its parent type's, its return type's and, on an interface, every implementation's. */
function requirementOf(schema: GraphQLSchema, policies: AuthPolicyMap, parent: GraphQLCompositeType, fieldName: string, returnType: string): AuthRequirement {
  let bySchema = requirementCache.get(policies);
  if (!bySchema) requirementCache.set(policies, (bySchema = new WeakMap()));
  let cache = bySchema.get(schema);
  if (!cache) bySchema.set(schema, (cache = new Map()));
  const key = `${parent.name}.${fieldName}`;
  let req = cache.get(key);
  if (!req) {
    const parts = [fieldRequirement(policies, parent.name, fieldName, returnType)];
    if (isInterfaceType(parent)) for (const t of schema.getPossibleTypes(parent)) parts.push(fieldRequirement(policies, t.name, fieldName));
    req = andRequirements(...parts);
    cache.set(key, req);
  }
  return req;
}

interface Walk {
  schema: GraphQLSchema;
  policies: AuthPolicyMap;
  principal: Principal | null;
  evaluators: Readonly<Record<string, PolicyEvaluator>>;
  fragments: Map<string, FragmentDefinitionNode>;
  removed: Map<string, RemovedField>;
}

function filterSelectionSet(walk: Walk, set: SelectionSetNode, parent: GraphQLCompositeType, path: string[], spreading: ReadonlySet<string>, nonNull: readonly boolean[]): SelectionNode[] {
  const out: SelectionNode[] = [];
  for (const selection of set.selections) {
    switch (selection.kind) {
      case Kind.FIELD: {
        const kept = filterField(walk, selection, parent, path, spreading, nonNull);
        if (kept) out.push(kept);
        break;
      }
      case Kind.INLINE_FRAGMENT: {
        const kept = filterInline(walk, selection, parent, path, spreading, nonNull);
        if (kept) out.push(kept);
        break;
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = walk.fragments.get(name);
        // Unknown or cyclic spreads only occur in documents that fail validation: drop them.
        if (!fragment || spreading.has(name)) break;
        const inline: InlineFragmentNode = {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          directives: [...(selection.directives ?? [])],
          selectionSet: fragment.selectionSet,
        };
        const kept = filterInline(walk, inline, parent, path, new Set([...spreading, name]), nonNull);
        if (kept) out.push(kept);
        break;
      }
    }
  }
  return out;
}

function filterInline(walk: Walk, fragment: InlineFragmentNode, parent: GraphQLCompositeType, path: string[], spreading: ReadonlySet<string>, nonNull: readonly boolean[]): InlineFragmentNode | null {
  const condition = fragment.typeCondition ? walk.schema.getType(fragment.typeCondition.name.value) : parent;
  const type = condition && isCompositeType(condition) ? condition : parent;
  const selections = filterSelectionSet(walk, fragment.selectionSet, type, path, spreading, nonNull);
  if (selections.length === 0) return null;
  return { ...fragment, selectionSet: { ...fragment.selectionSet, selections } };
}

function filterField(walk: Walk, field: FieldNode, parent: GraphQLCompositeType, path: string[], spreading: ReadonlySet<string>, nonNull: readonly boolean[]): FieldNode | null {
  const name = field.name.value;
  if (name.startsWith('__')) return field; // __typename always; introspection is the server's business
  const responseKey = field.alias?.value ?? name;
  const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  if (!def) return field; // unknown field: left for validation to refuse
  const returnType = getNamedType(def.type);
  const req = requirementOf(walk.schema, walk.policies, parent, name, returnType.name);
  const decision = checkRequirement(req, walk.principal, walk.evaluators);
  const fieldPath = [...path, responseKey];
  const fieldNonNull = [...nonNull, isNonNullType(def.type)];
  if (decision !== 'ALLOWED') {
    const coordinate = `${parent.name}.${name}`;
    const removed: RemovedField =
      decision === 'UNAUTHENTICATED'
        ? { path: fieldPath, code: 'UNAUTHENTICATED', message: `Authentication required to access ${coordinate}` }
        : { path: fieldPath, code: 'FORBIDDEN', message: `Not authorized to access ${coordinate}: requires ${describeRequirement(req)}` };
    if (fieldNonNull[fieldNonNull.length - 1]) {
      let nullable = fieldNonNull.length - 1;
      while (nullable >= 0 && fieldNonNull[nullable]) nullable--;
      removed.nullPath = fieldPath.slice(0, nullable + 1);
    }
    walk.removed.set(`${fieldPath.join('\u0000')}\u0001${removed.code}`, removed);
    return null;
  }
  if (!field.selectionSet) return field;
  const selections = filterSelectionSet(walk, field.selectionSet, returnType as GraphQLCompositeType, fieldPath, spreading, fieldNonNull);
  if (selections.length === 0) return null;
  return { ...field, selectionSet: { ...field.selectionSet, selections } };
}

function usedVariables(operation: OperationDefinitionNode): Set<string> {
  const used = new Set<string>();
  const scan = { ...operation, variableDefinitions: [] };
  visit(scan, {
    Variable(node) {
      used.add(node.name.value);
    },
  });
  return used;
}

/**
 * Removes from an operation every field the principal may not see (its own, its parent type's
 * and its return type's auth directives), before the operation is planned.
 */
export function filterOperation(input: FilterOperationInput): FilterOperationResult {
  const { schema, policies, document, operationName, principal } = input;
  const operation = getOperationAST(document, operationName ?? undefined);
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  // Without one operation and its root type the executor answers the error itself.
  if (!operation || !root) return { document, removed: [], executable: true, removedVariables: [] };

  const walk: Walk = {
    schema,
    policies,
    principal,
    evaluators: input.policyEvaluators ?? ROW_FILTER_POLICIES,
    fragments: new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : []))),
    removed: new Map(),
  };
  let selections = filterSelectionSet(walk, operation.selectionSet, root, [], new Set(), []);
  if (walk.removed.size === 0) return { document, removed: [], executable: true, removedVariables: [] };

  const executable = selections.length > 0;
  if (!executable) selections = [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }];
  const filtered: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections } };
  const used = usedVariables(filtered);
  const removedVariables: string[] = [];
  const variableDefinitions = (operation.variableDefinitions ?? []).filter((v) => {
    if (used.has(v.variable.name.value)) return true;
    removedVariables.push(v.variable.name.value);
    return false;
  });
  return {
    document: { kind: Kind.DOCUMENT, definitions: [{ ...filtered, variableDefinitions }] },
    removed: [...walk.removed.values()],
    executable,
    removedVariables,
  };
}

function nullAt(node: unknown, path: readonly string[], depth: number): void {
  if (Array.isArray(node)) {
    for (const item of node) nullAt(item, path, depth);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const key = path[depth]!;
  // Only absent keys are written: a key that is present was answered by a part of the query the principal may see.
  if (!(key in record)) {
    record[key] = null;
    return;
  }
  if (depth < path.length - 1) nullAt(record[key], path, depth + 1);
}

/**
 * Writes `null` at each removed response key, on every object along the path (walking lists);
 * where a parent was removed because nothing was left of it, the parent is answered null.
 * Mutates and returns `data`. New keys are appended after the answered ones.
 */
export function applyRemovedFields<T>(data: T, removed: readonly RemovedField[]): T | null {
  for (const r of removed) if (r.path.length > 0) nullAt(data, r.path, 0);
  // Non-null removed fields: their null propagates to the nearest nullable field, present or not.
  for (const r of removed) {
    if (!r.nullPath) continue;
    if (r.nullPath.length === 0) return null;
    overwriteNullAt(data, r.nullPath, 0);
  }
  return data;
}

function overwriteNullAt(node: unknown, path: readonly string[], depth: number): void {
  if (Array.isArray(node)) {
    for (const item of node) overwriteNullAt(item, path, depth);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const key = path[depth]!;
  if (depth === path.length - 1) record[key] = null;
  else if (key in record) overwriteNullAt(record[key], path, depth + 1);
}

/** The GraphQL errors for removed fields: `{ message, path, extensions: { code } }`. */
export function forbiddenErrors(removed: readonly RemovedField[]): GraphQLFormattedError[] {
  return removed.map((r) => ({ message: r.message, path: [...r.path], extensions: { code: r.code } }));
}

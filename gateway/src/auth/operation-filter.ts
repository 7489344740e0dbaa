import type { RemovedField } from './removed-fields.js';
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
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { fieldRequirement, type AuthPolicyMap } from '../../../platform/authz/directives.js';
import type { Principal } from '../../../platform/authz/principal.js';
import {
  ROW_FILTER_POLICIES,
  andRequirements,
  checkRequirement,
  describeRequirement,
  type AuthRequirement,
  type PolicyEvaluator,
} from '../../../platform/authz/requirements.js';

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
   * operation alone with the fragments it still spreads (each filtered once), unused variable
   * definitions dropped.
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
  /** Each fragment filtered once: its definition without what the principal may not see; null when nothing is left. */
  filtered: Map<string, FragmentDefinitionNode | null>;
  /** Fragments being filtered (a cycle only occurs in an invalid document; it filters to nothing). */
  filtering: Set<string>;
  /** Removed fields by path, for the answer's nulls and errors. */
  removed: Map<string, RemovedField>;
  /** Fragment spreads whose removed fields were listed at a path already. */
  listed: Set<string>;
}

/** The field's decision for the principal, or undefined for fields the filter leaves alone (`__typename`, unknown fields). */
interface Decision {
  decision: ReturnType<typeof checkRequirement>;
  requirement: AuthRequirement;
  nonNull: boolean;
  /** The field's named return type when it has fields of its own. */
  returnType?: GraphQLCompositeType;
}

function decide(walk: Walk, parent: GraphQLCompositeType, field: FieldNode): Decision | undefined {
  const name = field.name.value;
  if (name.startsWith('__')) return undefined; // __typename always; introspection is the server's business
  const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  if (!def) return undefined; // unknown field: validation refuses it
  const named = getNamedType(def.type);
  const requirement = requirementOf(walk.schema, walk.policies, parent, name, named.name);
  return { decision: checkRequirement(requirement, walk.principal, walk.evaluators), requirement, nonNull: isNonNullType(def.type), ...(isCompositeType(named) ? { returnType: named } : {}) };
}

function conditionType(walk: Walk, condition: InlineFragmentNode['typeCondition'], parent: GraphQLCompositeType): GraphQLCompositeType {
  const type = condition ? walk.schema.getType(condition.name.value) : parent;
  return type && isCompositeType(type) ? type : parent;
}

/**
 * The selections the principal may see. Path-independent: a field's decision depends on its
 * parent type and the principal only, so each named fragment is filtered once, kept as a named
 * fragment, and every spread of it reuses that result. The work is linear in the document.
 */
function filterSelections(walk: Walk, set: SelectionSetNode, parent: GraphQLCompositeType): SelectionNode[] {
  const out: SelectionNode[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const decided = decide(walk, parent, selection);
      if (!decided || !selection.selectionSet) {
        if (!decided || decided.decision === 'ALLOWED') out.push(selection);
        continue;
      }
      if (decided.decision !== 'ALLOWED') continue;
      const selections = filterSelections(walk, selection.selectionSet, decided.returnType ?? parent);
      if (selections.length > 0) out.push({ ...selection, selectionSet: { ...selection.selectionSet, selections } });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const selections = filterSelections(walk, selection.selectionSet, conditionType(walk, selection.typeCondition, parent));
      if (selections.length > 0) out.push({ ...selection, selectionSet: { ...selection.selectionSet, selections } });
    } else if (filteredFragment(walk, selection.name.value)) {
      out.push(selection);
    }
  }
  return out;
}

function filteredFragment(walk: Walk, name: string): FragmentDefinitionNode | null {
  const known = walk.filtered.get(name);
  if (known !== undefined) return known;
  const fragment = walk.fragments.get(name);
  if (!fragment || walk.filtering.has(name)) return null;
  walk.filtering.add(name);
  const selections = filterSelections(walk, fragment.selectionSet, conditionType(walk, fragment.typeCondition, walk.schema.getQueryType()!));
  walk.filtering.delete(name);
  const result = selections.length === 0 ? null : { ...fragment, selectionSet: { ...fragment.selectionSet, selections } };
  walk.filtered.set(name, result);
  return result;
}

/**
 * Lists the removed fields under a selection set at a response path (aliases respected), with
 * where the null of a removed non-null field lands. A fragment spread twice at one path is
 * listed once: the same fields at the same path are removed alike.
 */
function listRemoved(walk: Walk, set: SelectionSetNode, parent: GraphQLCompositeType, path: string[], nonNull: readonly boolean[]): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      listRemoved(walk, selection.selectionSet, conditionType(walk, selection.typeCondition, parent), path, nonNull);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      const site = `${name}\u0001${path.join('\u0000')}\u0001${nonNull.map(Number).join('')}`;
      if (!fragment || walk.listed.has(site)) continue;
      walk.listed.add(site);
      listRemoved(walk, fragment.selectionSet, conditionType(walk, fragment.typeCondition, parent), path, nonNull);
      continue;
    }
    const decided = decide(walk, parent, selection);
    if (!decided) continue;
    const fieldPath = [...path, selection.alias?.value ?? selection.name.value];
    const fieldNonNull = [...nonNull, decided.nonNull];
    if (decided.decision === 'ALLOWED') {
      if (selection.selectionSet && decided.returnType) listRemoved(walk, selection.selectionSet, decided.returnType, fieldPath, fieldNonNull);
      continue;
    }
    const coordinate = `${parent.name}.${selection.name.value}`;
    const removed: RemovedField =
      decided.decision === 'UNAUTHENTICATED'
        ? { path: fieldPath, code: 'UNAUTHENTICATED', message: `Authentication required to access ${coordinate}` }
        : { path: fieldPath, code: 'FORBIDDEN', message: `Not authorized to access ${coordinate}: requires ${describeRequirement(decided.requirement)}` };
    if (decided.nonNull) {
      let nullable = fieldNonNull.length - 1;
      while (nullable >= 0 && fieldNonNull[nullable]) nullable--;
      removed.nullPath = fieldPath.slice(0, nullable + 1);
    }
    walk.removed.set(`${fieldPath.join('\u0000')}\u0001${removed.code}`, removed);
  }
}

/** The fragments a selection set spreads, directly or through other fragments. */
function reachableFragments(walk: Walk, roots: readonly SelectionNode[]): FragmentDefinitionNode[] {
  const out = new Map<string, FragmentDefinitionNode>();
  const visitSet = (selections: readonly SelectionNode[]) => {
    for (const s of selections) {
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = walk.filtered.get(s.name.value);
        if (!fragment || out.has(s.name.value)) continue;
        out.set(s.name.value, fragment);
        visitSet(fragment.selectionSet.selections);
      } else if (s.selectionSet) visitSet(s.selectionSet.selections);
    }
  };
  visitSet(roots);
  return [...out.values()];
}

function usedVariables(definitions: readonly (OperationDefinitionNode | FragmentDefinitionNode)[]): Set<string> {
  const used = new Set<string>();
  for (const definition of definitions) {
    const scan = definition.kind === Kind.OPERATION_DEFINITION ? { ...definition, variableDefinitions: [] } : definition;
    visit(scan, {
      Variable(node) {
        used.add(node.name.value);
      },
    });
  }
  return used;
}

/**
 * Removes from an operation every field the principal may not see (its own, its parent type's
 * and its return type's auth directives), before the operation is planned. Expects a valid
 * document (validate it first): invalid parts such as unknown fields are left for validation.
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
    filtered: new Map(),
    filtering: new Set(),
    removed: new Map(),
    listed: new Set(),
  };
  listRemoved(walk, operation.selectionSet, root, [], []);
  if (walk.removed.size === 0) return { document, removed: [], executable: true, removedVariables: [] };

  let selections = filterSelections(walk, operation.selectionSet, root);
  const executable = selections.length > 0;
  if (!executable) selections = [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }];
  const filtered: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections } };
  const fragments = reachableFragments(walk, selections);
  const used = usedVariables([filtered, ...fragments]);
  const removedVariables: string[] = [];
  const variableDefinitions = (operation.variableDefinitions ?? []).filter((v) => {
    if (used.has(v.variable.name.value)) return true;
    removedVariables.push(v.variable.name.value);
    return false;
  });
  return {
    document: { kind: Kind.DOCUMENT, definitions: [{ ...filtered, variableDefinitions }, ...fragments] },
    removed: [...walk.removed.values()],
    executable,
    removedVariables,
  };
}

export { applyRemovedFields, forbiddenErrors, type RemovedField } from './removed-fields.js';

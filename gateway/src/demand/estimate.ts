import {
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  GraphQLInt,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CostModel } from './cost-model.js';

/** An operation's cost: backend calls by system, and their sum. */
export interface CostEstimate {
  bySystem: Record<string, number>;
  total: number;
  /**
   * The variables whose values the estimate read (the slicing arguments given by variables), the
   * same for every estimate of one document: the operation costs the same for the same values of
   * these, whatever its other variables.
   */
  variablesRead: readonly string[];
}

/** Options of {@link estimateCost}. */
export interface EstimateOptions {
  /** Size of a list field with neither a slicing argument nor an assumed size (default 10). */
  defaultListSize?: number;
  /**
   * Keys one batched load carries at most, by system (more keys cost one call per batch): the
   * loaders' batch size for Odoo (500), the contacts query's for Salesforce (300), show_many's for
   * Zendesk (100); 100 for any other.
   */
  batchSizes?: Readonly<Record<string, number>>;
  /**
   * Backend a restricted principal's ownership checks call, once per path of records it must
   * check (partners: Salesforce, where resellers are assigned); undefined for other principals.
   */
  ownershipSystem?: string;
}

/** Keys one batched load carries at most, by system. */
export const DEFAULT_BATCH_SIZES: Readonly<Record<string, number>> = { odoo: 500, salesforce: 300, servicedesk: 100 };

interface Walk {
  schema: GraphQLSchema;
  model: CostModel;
  variables: Record<string, unknown>;
  fragments: Map<string, FragmentDefinitionNode>;
  defaults: Map<string, unknown>;
  options: { defaultListSize: number; batchSizes: Readonly<Record<string, number>>; ownershipSystem?: string };
  bySystem: Record<string, number>;
  /** Type costs already counted, by response path and type: one load per path. */
  loaded: Set<string>;
  /** Field costs already counted, by response path: a field selected twice at a path resolves once. */
  paid: Set<string>;
  /** Variables read for a slicing argument. */
  read: Set<string>;
}

function add(walk: Walk, system: string, calls: number): void {
  if (calls <= 0) return;
  walk.bySystem[system] = (walk.bySystem[system] ?? 0) + calls;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** The value of an argument, from a literal, a variable or the variable's default. */
function argumentValue(walk: Walk, field: FieldNode, name: string): unknown {
  const arg = field.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  if (arg.value.kind === Kind.VARIABLE) {
    const variable = arg.value.name.value;
    walk.read.add(variable);
    return variable in walk.variables ? walk.variables[variable] : walk.defaults.get(variable);
  }
  return valueFromAST(arg.value, GraphQLInt);
}

/**
 * How many items a list field holds at most: its first slicing argument that has a number, that
 * argument's default, or the assumed size. Every slicing argument is read, so which variables an
 * estimate reads depends on the document alone, never on their values.
 */
function listSizeOf(walk: Walk, coordinate: string, field: FieldNode, argDefault: (name: string) => unknown): number {
  const spec = walk.model.listSizes.get(coordinate);
  let size: number | undefined;
  for (const name of spec?.slicingArguments ?? []) {
    const value = argumentValue(walk, field, name) ?? argDefault(name);
    if (size === undefined && typeof value === 'number' && Number.isFinite(value)) size = Math.max(0, value);
  }
  return size ?? spec?.assumedSize ?? walk.options.defaultListSize;
}

function visitSet(walk: Walk, set: SelectionSetNode, parent: GraphQLCompositeType, path: string, parents: number, sizedChildren: ReadonlyMap<string, number>, seen: ReadonlySet<string>): boolean {
  let selectsData = false;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      selectsData = visitSet(walk, selection.selectionSet, condition && isCompositeType(condition) ? condition : parent, path, parents, sizedChildren, seen) || selectsData;
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) continue;
      const condition = walk.schema.getType(fragment.typeCondition.name.value);
      selectsData = visitSet(walk, fragment.selectionSet, condition && isCompositeType(condition) ? condition : parent, path, parents, sizedChildren, new Set([...seen, fragment.name.value])) || selectsData;
      continue;
    }
    const name = selection.name.value;
    if (name.startsWith('__')) continue;
    selectsData = true;
    const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    if (!def) continue;
    const here = `${path}.${selection.alias?.value ?? name}`;
    const coordinate = `${parent.name}.${name}`;
    const fieldCost = walk.model.fields.get(coordinate);
    if (fieldCost && !walk.paid.has(here) && parents > 0) {
      walk.paid.add(here);
      // Batched like a type's load, or once per parent object where the backend has no bulk endpoint.
      add(walk, fieldCost.system, fieldCost.weight * (fieldCost.perParent ? parents : Math.ceil(parents / (walk.options.batchSizes[fieldCost.system] ?? 100))));
    }
    if (!selection.selectionSet) continue;
    const named = getNamedType(def.type);
    if (!isCompositeType(named)) continue;
    const argDefault = (arg: string) => {
      const a = def.args.find((x) => x.name === arg);
      return a?.defaultValue;
    };
    const spec = walk.model.listSizes.get(coordinate);
    const size = isList(def.type) || spec ? listSizeOf(walk, coordinate, selection, argDefault) : 1;
    // A connection's size applies to its sized fields (`edges`), not to the connection itself.
    const sized = new Map<string, number>();
    if (spec?.sizedFields.length) for (const f of spec.sizedFields) sized.set(f, size);
    const count = parents * (sizedChildren.get(name) ?? (spec?.sizedFields.length ? 1 : isList(def.type) ? size : 1));
    const childSelectsData = visitSet(walk, selection.selectionSet, named, here, count, sized, seen);
    const typeCost = walk.model.types.get(named.name);
    const loadKey = `${here}|${named.name}`;
    if (typeCost && childSelectsData && count > 0 && !walk.loaded.has(loadKey)) {
      walk.loaded.add(loadKey);
      // Batched: one load per path, keyed by the parents that hold the records, one call per batch of keys.
      add(walk, typeCost.system, typeCost.weight * Math.max(1, Math.ceil(parents / (walk.options.batchSizes[typeCost.system] ?? 100))));
      // A restricted principal's rows are checked: the record's owner is read where it lives, then
      // its reseller where resellers are assigned.
      if (walk.options.ownershipSystem && typeCost.system !== walk.options.ownershipSystem) {
        add(walk, typeCost.system, 1);
        add(walk, walk.options.ownershipSystem, 1);
      }
    }
  }
  return selectsData;
}

/**
 * The backend calls an operation can cause at most, by system, from the demand-control
 * directives of the supergraph: per path of the operation (what one step of the query plan asks a
 * subgraph for, batched into one call per model), list sizes from `first` or the assumed sizes,
 * per-parent costs multiplied by how many parents a path holds. Linear in the document.
 */
export function estimateCost(schema: GraphQLSchema, model: CostModel, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined, options: EstimateOptions = {}): CostEstimate {
  const root = schema.getRootType(operation.operation);
  const bySystem: Record<string, number> = Object.fromEntries(model.systems.map((s) => [s, 0]));
  if (!root) return { bySystem, total: 0, variablesRead: [] };
  const defaults = new Map<string, unknown>();
  for (const d of operation.variableDefinitions ?? []) if (d.defaultValue) defaults.set(d.variable.name.value, valueFromAST(d.defaultValue, GraphQLInt));
  const walk: Walk = {
    schema,
    model,
    variables: variables ?? {},
    fragments: new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : []))),
    defaults,
    options: { defaultListSize: options.defaultListSize ?? 10, batchSizes: options.batchSizes ?? DEFAULT_BATCH_SIZES, ownershipSystem: options.ownershipSystem },
    bySystem,
    loaded: new Set(),
    paid: new Set(),
    read: new Set(),
  };
  visitSet(walk, operation.selectionSet, root, '', 1, new Map(), new Set());
  return { bySystem, total: Object.values(bySystem).reduce((a, b) => a + b, 0), variablesRead: [...walk.read] };
}

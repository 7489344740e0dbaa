import { Kind, parse, type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode } from 'graphql';

/** Which backend each of our subgraphs calls; a subgraph of another supergraph counts under its own name. */
export const SYSTEM_OF_SUBGRAPH: Readonly<Record<string, string>> = { accounts: 'salesforce', orders: 'odoo', stock: 'odoo', invoices: 'odoo', cases: 'servicedesk' };

/** What a cost directive says, with the backend it is paid to. */
export interface CostEntry {
  weight: number;
  system: string;
  /** Paid for each parent object (`@perParent`), rather than once per path. */
  perParent?: boolean;
}

/** What a @listSize directive says. */
export interface ListSize {
  assumedSize?: number;
  slicingArguments: string[];
  sizedFields: string[];
}

/**
 * The demand-control inputs of a supergraph, read from the standard directives: @cost on types
 * (loading their records at one path: the subgraph batches every record at a path), @cost on
 * fields (at one path, batched, or for each parent object with our @perParent) and @listSize; each cost attributed to the backend of the
 * subgraph that pays it (a type's to the subgraph owning most of its fields, a field's to the
 * subgraph resolving it).
 */
export interface CostModel {
  types: ReadonlyMap<string, CostEntry>;
  /** By coordinate `Type.field`. */
  fields: ReadonlyMap<string, CostEntry>;
  listSizes: ReadonlyMap<string, ListSize>;
  /** Every backend any cost names. */
  systems: readonly string[];
}

function intArg(directive: ConstDirectiveNode, name: string): number | undefined {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  return arg?.value.kind === Kind.INT ? Number(arg.value.value) : undefined;
}

function listArg(directive: ConstDirectiveNode, name: string): string[] {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  return arg?.value.kind === Kind.LIST ? arg.value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : [];
}

function enumArg(directive: ConstDirectiveNode, name: string): string | undefined {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  return arg?.value.kind === Kind.ENUM ? arg.value.value : undefined;
}

/** The graphs resolving a field (its non-external join__field graphs; every graph of its type without any). */
function graphsOf(field: FieldDefinitionNode, typeGraphs: readonly string[]): string[] {
  const joins = (field.directives ?? []).filter((d) => d.name.value === 'join__field');
  if (joins.length === 0) return [...typeGraphs];
  return joins.flatMap((d) => {
    const external = d.arguments?.find((a) => a.name.value === 'external');
    if (external?.value.kind === Kind.BOOLEAN && external.value.value) return [];
    const graph = enumArg(d, 'graph');
    return graph ? [graph] : [];
  });
}

/** Reads the cost model of a supergraph SDL (our supergraph, or any Federation 2 supergraph using the directives). */
export function costModelOf(supergraphSdl: string | DocumentNode): CostModel {
  const document = typeof supergraphSdl === 'string' ? parse(supergraphSdl) : supergraphSdl;
  const graphNames = new Map<string, string>();
  for (const d of document.definitions) {
    if (d.kind !== Kind.ENUM_TYPE_DEFINITION || d.name.value !== 'join__Graph') continue;
    for (const v of d.values ?? []) {
      const join = v.directives?.find((x) => x.name.value === 'join__graph');
      const name = join?.arguments?.find((a) => a.name.value === 'name');
      graphNames.set(v.name.value, name?.value.kind === Kind.STRING ? name.value.value : v.name.value.toLowerCase());
    }
  }
  const systemOf = (graph: string) => {
    const name = graphNames.get(graph) ?? graph.toLowerCase();
    return SYSTEM_OF_SUBGRAPH[name] ?? name;
  };
  const types = new Map<string, CostEntry>();
  const fields = new Map<string, CostEntry>();
  const listSizes = new Map<string, ListSize>();
  for (const d of document.definitions) {
    if (d.kind !== Kind.OBJECT_TYPE_DEFINITION && d.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const type = d as ObjectTypeDefinitionNode;
    const typeGraphs = [...new Set((type.directives ?? []).filter((x) => x.name.value === 'join__type').flatMap((x) => enumArg(x, 'graph') ?? []))];
    // The subgraph owning most of a type's fields is the one that loads its records.
    const owned = new Map<string, number>();
    for (const f of type.fields ?? []) for (const g of graphsOf(f, typeGraphs)) owned.set(g, (owned.get(g) ?? 0) + 1);
    const owner = [...owned].sort((a, b) => b[1] - a[1])[0]?.[0] ?? typeGraphs[0];
    const typeCost = type.directives?.find((x) => x.name.value === 'cost');
    const typeWeight = typeCost ? intArg(typeCost, 'weight') : undefined;
    if (typeWeight !== undefined && owner) types.set(type.name.value, { weight: typeWeight, system: systemOf(owner) });
    for (const f of type.fields ?? []) {
      const coordinate = `${type.name.value}.${f.name.value}`;
      for (const directive of f.directives ?? []) {
        if (directive.name.value === 'cost') {
          const weight = intArg(directive, 'weight');
          const graph = graphsOf(f, typeGraphs)[0] ?? owner;
          const perParent = (f.directives ?? []).some((x) => x.name.value === 'perParent');
          if (weight !== undefined && graph) fields.set(coordinate, { weight, system: systemOf(graph), ...(perParent ? { perParent } : {}) });
        }
        if (directive.name.value === 'listSize' || directive.name.value === 'cost__listSize') {
          listSizes.set(coordinate, { assumedSize: intArg(directive, 'assumedSize'), slicingArguments: listArg(directive, 'slicingArguments'), sizedFields: listArg(directive, 'sizedFields') });
        }
      }
    }
  }
  const systems = [...new Set([...types.values(), ...fields.values()].map((c) => c.system))].sort();
  return { types, fields, listSizes, systems };
}

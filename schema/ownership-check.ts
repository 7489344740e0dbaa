import { Kind, parse, type DocumentNode, type FieldDefinitionNode } from 'graphql';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The systems of record a field can belong to. */
export type OwnerSystem = 'salesforce' | 'odoo' | 'servicedesk';

/** schema/ownership.json: who owns each field, which subgraphs sit over each system, what each mutation writes. */
export interface OwnershipMatrix {
  description?: string;
  systems: Record<string, { subgraphs: string[] }>;
  /** Type -> system -> the fields of the type that system owns. */
  types: Record<string, Record<string, string[]>>;
  /** Mutation -> the fields it writes, as `Type.field` or `Type.*`. */
  mutations: Record<string, { writes: string[]; note?: string }>;
}

/** What the check reads: the matrix and each subgraph's SDL by subgraph name. */
export interface OwnershipCheckInput {
  matrix: OwnershipMatrix;
  subgraphSdls: Record<string, string>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Object type -> field names, over every definition and extension in one document. */
function objectFields(doc: DocumentNode): Map<string, Set<string>> {
  const types = new Map<string, Set<string>>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const fields = types.get(def.name.value) ?? new Set<string>();
    for (const field of (def.fields ?? []) as readonly FieldDefinitionNode[]) fields.add(field.name.value);
    types.set(def.name.value, fields);
  }
  return types;
}

/** Field (`Type.field`) -> owning system, with a problem for every field listed twice. */
function fieldOwners(matrix: OwnershipMatrix, problems: string[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [type, bySystem] of Object.entries(matrix.types)) {
    for (const [system, fields] of Object.entries(bySystem)) {
      if (!matrix.systems[system]) problems.push(`matrix: ${type} lists fields for unknown system "${system}"`);
      for (const field of fields) {
        const name = `${type}.${field}`;
        const previous = owners.get(name);
        if (previous !== undefined) problems.push(`matrix: ${name} is owned twice (${previous} and ${system})`);
        else owners.set(name, system);
      }
    }
  }
  return owners;
}

/** Expands a mutation's writes (`Type.*` -> every field the matrix lists for Type). */
function expandWrites(matrix: OwnershipMatrix, mutation: string, writes: string[], problems: string[]): string[] {
  const fields: string[] = [];
  for (const write of writes) {
    const [type, field, ...rest] = write.split('.');
    if (!type || !field || rest.length > 0) {
      problems.push(`matrix: mutation ${mutation} writes "${write}", which is not Type.field or Type.*`);
      continue;
    }
    if (field !== '*') {
      fields.push(write);
      continue;
    }
    const bySystem = matrix.types[type];
    if (!bySystem) {
      problems.push(`matrix: mutation ${mutation} writes ${write}, but the matrix lists no type ${type}`);
      continue;
    }
    for (const list of Object.values(bySystem)) for (const f of list) fields.push(`${type}.${f}`);
  }
  return fields;
}

/**
 * Checks the matrix against the subgraph SDLs and returns every problem found (empty when all is
 * well): a mutation writing a field its subgraph's system does not own, a mutation the matrix does
 * not list (or lists but no subgraph declares), a matrix type or field no subgraph declares.
 */
export function checkOwnership({ matrix, subgraphSdls }: OwnershipCheckInput): string[] {
  const problems: string[] = [];
  const subgraphSystem = new Map<string, string>();
  for (const [system, { subgraphs }] of Object.entries(matrix.systems)) {
    for (const subgraph of subgraphs) {
      const previous = subgraphSystem.get(subgraph);
      if (previous !== undefined) problems.push(`matrix: subgraph ${subgraph} is listed under ${previous} and ${system}`);
      else subgraphSystem.set(subgraph, system);
      if (!(subgraph in subgraphSdls)) problems.push(`matrix: system ${system} lists subgraph ${subgraph}, which does not exist`);
    }
  }

  // Every field declared anywhere, and the subgraphs declaring each mutation.
  const declared = new Map<string, Set<string>>();
  const mutationHomes = new Map<string, string[]>();
  for (const [subgraph, sdl] of Object.entries(subgraphSdls)) {
    let doc: DocumentNode;
    try {
      doc = parse(sdl);
    } catch (err) {
      problems.push(`${subgraph}: schema does not parse: ${(err as Error).message}`);
      continue;
    }
    for (const [type, fields] of objectFields(doc)) {
      const all = declared.get(type) ?? new Set<string>();
      for (const f of fields) all.add(f);
      declared.set(type, all);
      if (type !== 'Mutation') continue;
      for (const mutation of fields) mutationHomes.set(mutation, [...(mutationHomes.get(mutation) ?? []), subgraph]);
    }
  }

  const owners = fieldOwners(matrix, problems);
  for (const name of owners.keys()) {
    const [type = '', field = ''] = name.split('.');
    if (!declared.has(type)) problems.push(`matrix: type ${type} is declared by no subgraph`);
    else if (!declared.get(type)?.has(field)) problems.push(`matrix: field ${name} is declared by no subgraph`);
  }

  for (const [mutation, subgraphs] of mutationHomes) {
    const entry = matrix.mutations[mutation];
    if (!entry) {
      problems.push(`${subgraphs.join(', ')}: mutation ${mutation} is not listed in the ownership matrix`);
      continue;
    }
    const writes = expandWrites(matrix, mutation, entry.writes, problems);
    for (const subgraph of subgraphs) {
      const system = subgraphSystem.get(subgraph);
      if (system === undefined) {
        problems.push(`${subgraph}: declares mutation ${mutation} but sits over no system in the matrix`);
        continue;
      }
      for (const field of writes) {
        const owner = owners.get(field);
        if (owner === undefined) problems.push(`matrix: mutation ${mutation} writes ${field}, which has no owner in the matrix`);
        else if (owner !== system) {
          problems.push(`${subgraph}: mutation ${mutation} writes ${field}, owned by ${owner}, but ${subgraph} sits over ${system}`);
        }
      }
    }
  }
  for (const mutation of Object.keys(matrix.mutations)) {
    if (!mutationHomes.has(mutation)) problems.push(`matrix: mutation ${mutation} is declared by no subgraph`);
  }
  return [...new Set(problems)];
}

/**
 * Fields declared by subgraphs on the matrix's types that the matrix does not assign to a system.
 * Not a failure (new fields appear often), but each should be added to the matrix.
 */
export function findUnmappedFields({ matrix, subgraphSdls }: OwnershipCheckInput): string[] {
  const listed = new Set<string>();
  for (const [type, bySystem] of Object.entries(matrix.types)) for (const fields of Object.values(bySystem)) for (const f of fields) listed.add(`${type}.${f}`);
  const unmapped = new Set<string>();
  for (const sdl of Object.values(subgraphSdls)) {
    let doc: DocumentNode;
    try {
      doc = parse(sdl);
    } catch {
      continue; // checkOwnership reports it
    }
    for (const [type, fields] of objectFields(doc)) {
      if (!matrix.types[type]) continue;
      for (const f of fields) if (!listed.has(`${type}.${f}`)) unmapped.add(`${type}.${f}`);
    }
  }
  return [...unmapped].sort();
}

/** Reads schema/ownership.json and every subgraphs/<name>/schema.graphql under `rootDir`. */
export function loadOwnershipInput(rootDir: string = root): OwnershipCheckInput {
  const matrix = JSON.parse(readFileSync(join(rootDir, 'schema', 'ownership.json'), 'utf8')) as OwnershipMatrix;
  const subgraphSdls: Record<string, string> = {};
  const dir = join(rootDir, 'subgraphs');
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name, 'schema.graphql');
    if (entry.isDirectory() && existsSync(file)) subgraphSdls[entry.name] = readFileSync(file, 'utf8');
  }
  return { matrix, subgraphSdls };
}

/** Runs the check on the files under `rootDir` (the repository root by default); returns the problems. */
export function runOwnershipCheck(rootDir: string = root): string[] {
  return checkOwnership(loadOwnershipInput(rootDir));
}

/** The system that owns every field a mutation writes, or undefined when the matrix does not say. */
export function mutationOwner(matrix: OwnershipMatrix, mutation: string): OwnerSystem | undefined {
  const entry = matrix.mutations[mutation];
  if (!entry) return undefined;
  const problems: string[] = [];
  const owners = fieldOwners(matrix, problems);
  const systems = new Set(expandWrites(matrix, mutation, entry.writes, problems).map((f) => owners.get(f)));
  const [only] = systems;
  return systems.size === 1 && only !== undefined ? (only as OwnerSystem) : undefined;
}

// `npx tsx schema/ownership-check.ts [rootDir]`: prints the result, exits 1 on problems.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const input = loadOwnershipInput(process.argv[2] ?? root);
  const problems = checkOwnership(input);
  for (const field of findUnmappedFields(input)) console.warn(`warning: ${field} has no owner in schema/ownership.json`);
  if (problems.length > 0) {
    console.error(`ownership check failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`);
    for (const p of problems) console.error(`- ${p}`);
    process.exit(1);
  }
  const mutations = Object.keys(input.matrix.mutations).length;
  console.log(`ownership check passed: ${mutations} mutations write only fields of their subgraph's system of record`);
}

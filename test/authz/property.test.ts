import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../platform/authz/roles.js';
import { parse, validate } from 'graphql';
import { structuralLimitRules } from '../../gateway/src/request/structural-limits.js';
import { startTestSystem, type GraphQLAnswer, type TestSystem } from '../support/system.js';
import { fieldPath } from './answers.js';
import { DESIGN_ROLES, roleMaySee } from './oracle.js';
import { entryArgs, findRecords, type AuthzRecords, type CustomerRecords } from './records.js';
import { entryPoints, fieldTree, loadSupergraph, type FieldSpec } from './schema-walk.js';

/**
 * Random valid operations over the supergraph (random subsets of the fields under each entry
 * point, random aliases, inline and named fragments) sent with a random role: no value comes back
 * at a path the role may not see, every field the role may not see is named by a FORBIDDEN error,
 * and a partner never gets a row of another reseller.
 */
const supergraph = loadSupergraph();
const ENTRY_POINTS = entryPoints(supergraph.schema);
/** Types whose rows belong to a customer: always selected with their id so that ownership can be checked. */
const OWNED_TYPES = new Set(['Customer', 'Order', 'Invoice']);
const MAX_DEPTH = 7;
const RUNS = Number(process.env.AUTHZ_PROPERTY_RUNS ?? 100);

type Target = 'own' | 'other' | 'direct' | 'unknown';

/** One selected field: its schema field, optional alias, sub-selections and how they are written. */
interface Selection {
  spec: FieldSpec;
  alias?: string;
  children?: Selection[];
  style?: 'direct' | 'inline' | 'named' | 'split';
}

const keyOf = (s: Selection) => s.alias ?? s.spec.name;

function selectionArb(spec: FieldSpec, depth: number): fc.Arbitrary<Selection> {
  const alias = fc.option(fc.integer({ min: 0, max: 9 }).map((k) => `a${k}_${spec.name}`), { freq: 3 });
  const children = spec.children;
  if (!children) return alias.map((a) => ({ spec, ...(a === null ? {} : { alias: a }) }));
  const forced = OWNED_TYPES.has(spec.returnType) ? children.find((c) => c.name === 'id') : undefined;
  const pool = (depth >= MAX_DEPTH ? children.filter((c) => !c.children) : children).filter((c) => c !== forced);
  const kids = fc
    .subarray(pool, { minLength: forced || pool.length === 0 ? 0 : 1, maxLength: Math.min(5, pool.length) })
    .chain((picked) => fc.tuple(...[...(forced ? [forced] : []), ...picked].map((c) => selectionArb(c, depth + 1))));
  return fc
    .record({ alias, kids, style: fc.constantFrom<Selection['style']>('direct', 'direct', 'inline', 'named', 'split') })
    .map(({ alias: a, kids: k, style }) => ({ spec, children: k, style, ...(a === null ? {} : { alias: a }) }));
}

/** Whether the gateway's structural limits (graphql-armor's depth, aliases, directives; ours) let an operation through. */
const LIMIT_RULES = structuralLimitRules();
const withinLimits = (query: string) => validate(supergraph.schema, parse(query), LIMIT_RULES).length === 0;

/** Prints the operation; root arguments come from the target's records. */
function printOperation(root: Selection, rootArgs: string): string {
  const fragments: string[] = [];
  const print = (s: Selection, args: string): string => {
    const head = `${s.alias ? `${s.alias}: ` : ''}${s.spec.name}${args}`;
    if (!s.children) return head;
    const body = (list: Selection[]) => (list.length ? list.map((c) => print(c, c.spec.args)).join(' ') : '__typename');
    const type = s.spec.returnType;
    let inner: string;
    switch (s.style) {
      case 'inline':
        inner = `... on ${type} { ${body(s.children)} }`;
        break;
      case 'named': {
        const name = `F${fragments.length}`;
        fragments.push('');
        fragments[Number(name.slice(1))] = `fragment ${name} on ${type} { ${body(s.children)} }`;
        inner = `...${name}`;
        break;
      }
      case 'split': {
        const half = Math.ceil(s.children.length / 2);
        inner = `${body(s.children.slice(0, half))} ... on ${type} { ${body(s.children.slice(half))} }`;
        break;
      }
      default:
        inner = body(s.children);
    }
    return `${head} { ${inner} }`;
  };
  const operation = `query Random { ${print(root, rootArgs)} }`;
  return [operation, ...fragments].join('\n');
}

/** The FORBIDDEN paths the role must get: each field it may not see below fields it may. */
function expectedForbidden(role: Role, s: Selection, path: string[] = []): string[] {
  const here = [...path, keyOf(s)];
  if (!roleMaySee(supergraph.policies, role, s.spec)) return [here.join('.')];
  return (s.children ?? []).flatMap((c) => expectedForbidden(role, c, here));
}

/** Walks the answer: values at paths the role may not see, and the owned rows it contains. */
function inspect(role: Role, s: Selection, value: unknown, path: string, found: { leaks: string[]; rows: Array<{ type: string; id: string }> }): void {
  if (value === null || value === undefined) return;
  if (!roleMaySee(supergraph.policies, role, s.spec)) {
    found.leaks.push(`${path} (${s.spec.coordinate}) = ${JSON.stringify(value).slice(0, 60)}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) inspect(role, s, v, `${path}.${i}`, found);
    return;
  }
  if (!s.children) return;
  const record = value as Record<string, unknown>;
  if (OWNED_TYPES.has(s.spec.returnType)) {
    const idKey = s.children.find((c) => c.spec.name === 'id');
    if (idKey) found.rows.push({ type: s.spec.returnType, id: String(record[keyOf(idKey)]) });
  }
  for (const c of s.children) inspect(role, c, record[keyOf(c)], `${path}.${keyOf(c)}`, found);
}

/** The answer with the looked-up values masked in messages, so that lookups of two ids compare. */
function comparable(answer: GraphQLAnswer, values: readonly string[]) {
  const mask = (m: string) => values.reduce((acc, v) => acc.split(v).join('<id>'), m);
  return { status: answer.status, data: answer.data, errors: (answer.errors ?? []).map((e) => ({ message: mask(e.message), path: e.path, code: e.extensions?.code })) };
}

let system: TestSystem;
let records: AuthzRecords;
let rootArgs: Record<Target, Record<string, string>>;
let trees: Map<string, FieldSpec>;

beforeAll(async () => {
  system = await startTestSystem();
  records = await findRecords(system);
  const printed = (r: CustomerRecords & { sku?: string; searchName?: string }) =>
    Object.fromEntries(ENTRY_POINTS.map((e) => [e, fieldTree(supergraph.schema, e, entryArgs(r)[e]!).args]));
  rootArgs = { own: printed(records.own), other: printed(records.other), direct: printed(records.direct), unknown: printed(records.unknown) };
  trees = new Map(ENTRY_POINTS.map((e) => [e, fieldTree(supergraph.schema, e, entryArgs(records.own)[e]!)]));
});

afterAll(async () => {
  await system?.close();
});

describe('random operations never show a role more than it may see', () => {
  it('holds for random selections, aliases, fragments, roles and targets', async () => {
    const caseArb = fc
      .record({ role: fc.constantFrom<Role>(...DESIGN_ROLES, 'partner', 'partner'), entry: fc.constantFrom(...ENTRY_POINTS), target: fc.constantFrom<Target>('own', 'own', 'other', 'direct') })
      .chain(({ role, entry, target }) =>
        // What the structural limits refuse (fragments count as depth levels) is refused alike for
        // every role before planning and tested on its own: such operations are not generated.
        selectionArb(trees.get(entry)!, 0).filter((selection) => withinLimits(printOperation(selection, rootArgs.own[entry]!))).map((selection) => {
          const actual: Target = role === 'partner' ? target : 'own';
          // Counterexamples print as the role, the target and the operation, not as the schema walk.
          return { role, entry, target: actual, selection, [fc.toStringMethod]: () => `${role} on ${actual} records: ${printOperation(selection, rootArgs[actual][entry]!)}` };
        }),
      );

    let runs = 0;
    let partnerRuns = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ role, entry, target, selection }) => {
        runs++;
        const auth = role === 'partner' ? { role, partnerId: records.reseller } : { role };
        const query = printOperation(selection, rootArgs[target][entry]!);
        const answer = await system.query(query, {}, auth);
        if (process.env.AUTHZ_PROPERTY_DEBUG) console.log(role, target, query, JSON.stringify(answer.data).slice(0, 300));
        expect(answer.status, query).toBe(200);

        const forbidden = (answer.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN').map((e) => fieldPath(e.path)).sort();
        expect(forbidden, query).toEqual(expectedForbidden(role, selection).sort());
        expect((answer.errors ?? []).filter((e) => e.extensions?.code !== 'FORBIDDEN'), query).toEqual([]);

        const found = { leaks: [] as string[], rows: [] as Array<{ type: string; id: string }> };
        inspect(role, selection, answer.data?.[keyOf(selection)], keyOf(selection), found);
        expect(found.leaks, query).toEqual([]);

        if (role !== 'partner') return;
        partnerRuns++;
        const owned = { Customer: records.partnerCustomerIds, Order: records.partnerOrderIds, Invoice: records.partnerInvoiceIds } as Record<string, Set<string>>;
        for (const row of found.rows) expect(owned[row.type], `${row.type} ${row.id} in ${query}`).toContain(row.id);
        if (target === 'own') return;
        // Another reseller's (or a direct customer's) record: the very answer an unknown id gets.
        const unknown = await system.query(printOperation(selection, rootArgs.unknown[entry]!), {}, auth);
        const foreign = records[target];
        expect(comparable(answer, Object.values(foreign)), query).toEqual(comparable(unknown, Object.values(records.unknown)));
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: 25_000, markInterruptAsFailure: false },
    );
    console.log(`property: ${runs} random operations (${partnerRuns} as partner)`);
    expect(runs).toBeGreaterThanOrEqual(Math.min(RUNS, 30));
  }, 40_000);
});

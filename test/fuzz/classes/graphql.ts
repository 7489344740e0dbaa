import fc from 'fast-check';
import { entryArgs } from '../../authz/records.js';
import { entryPoints, fieldTree, loadSupergraph, type FieldSpec } from '../../authz/schema-walk.js';
import { codesOf, graphqlPost, type Answer, type Caller, type Expectation, type Probe } from '../probe.js';
import type { FuzzCustomer, FuzzWorld } from '../world.js';

/** Roles whose operations the gateway filters (each is denied a field of DENIED) and the admin, whose are not. */
export function filteredCallers(world: FuzzWorld): Caller[] {
  const reseller = world.customers.find((c) => c.reseller)!.reseller!;
  return [{ role: 'support_agent' }, { role: 'partner', partnerId: reseller }, { role: 'finance' }];
}

/** A root field every filtered role loses part of: phone (no customer:pii for partner and finance), outstanding (no financials for support_agent and partner). */
export function deniedField(customer: FuzzCustomer): string {
  return `zzDenied: customer(id: "${customer.id}") { id phone billing { outstanding { amount } } }`;
}

/** An invalid document must be refused alike for every role: 400, the same codes, no data, no backend call. */
const INVALID: Expectation = { kind: 'invalid', status: [400], codes: ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED'], noData: true, noBackendCalls: true };

/** Sends one document as the admin and as filtered roles, and checks that every answer is the admin's. */
export function sameForEveryRole(label: string, query: string, callers: Caller[], expect: Expectation = INVALID): Probe {
  return {
    class: 'graphql',
    label,
    steps: [{ role: 'admin' } as Caller, ...callers].map((caller) => ({ caller, request: graphqlPost({ query }), expect })),
    joint: (answers: Answer[]) => {
      const seen = answers.map((a) => `${a.status} [${codesOf(a).join(' ')}]`);
      return seen.every((s) => s === seen[0]) ? [] : [`answers differ by role: admin ${seen[0]}; ${callers.map((c, i) => `${c && 'role' in c ? c.role : '?'} ${seen[i + 1]}`).join('; ')}`];
    },
  };
}

/** `levels` fragments, each spreading the next `fanOut` times: 2^25 expansions for 25 levels of two. */
export function fragmentBomb(levels: number, leaf: string, fanOut = 2): string {
  const fragments: string[] = [];
  for (let i = 1; i < levels; i++) fragments.push(`fragment F${i} on Query { ${Array.from({ length: fanOut }, () => `...F${i + 1}`).join(' ')} }`);
  fragments.push(`fragment F${levels} on Query { ${leaf} }`);
  return `query Bomb { ...F1 }\n${fragments.join('\n')}`;
}

/** The fixed reproductions: the fragment bomb, and invalid documents that a filtered principal got answered. */
export function graphqlReproductions(world: FuzzWorld): Probe[] {
  const customer = world.customers[0]!;
  const leaf = `customer(id: "${customer.id}") { id billing { outstanding { amount } } }`;
  const bomb = fragmentBomb(25, leaf);
  // Answered fast: refused (400) or a coded error, never the expansion of 2^25 spreads.
  const refused: Expectation = { kind: 'hostile', check: (a) => (a.status === 400 || codesOf(a).length > 0 ? [] : [`answered ${a.status} without an error`]) };
  const callers = [...filteredCallers(world), { role: 'sales_rep' } as Caller];
  const denied = `customer(id: "${customer.id}") { id billing { outstanding { amount } } }`;
  // A refusal takes milliseconds: five seconds is generous, and bounds what the unfixed expansion costs the suite.
  const timeoutMs = 5000;
  return [
    { class: 'graphql', label: 'fragment bomb of 25 levels, as support_agent', steps: [{ caller: { role: 'support_agent' }, request: graphqlPost({ query: bomb }), expect: refused, timeoutMs }] },
    { class: 'graphql', label: 'fragment bomb of 25 levels, as admin', steps: [{ caller: { role: 'admin' }, request: graphqlPost({ query: bomb }), expect: refused, timeoutMs }] },
    sameForEveryRole('a fragment cycle beside a filtered field', `query { ${denied} ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, callers),
    sameForEveryRole('an unknown fragment beside a filtered field', `query { ${denied} ...Nope }`, callers),
    sameForEveryRole('a fragment spread on an impossible type beside a filtered field', `query { customer(id: "${customer.id}") { billing { outstanding { amount } } ...F } } fragment F on Order { id }`, callers),
  ];
}

/** A random valid selection under a root field (at most `maxDepth` levels, a few fields per level). */
function selection(spec: FieldSpec, depth = 0, maxDepth = 4): fc.Arbitrary<string> {
  if (!spec.children) return fc.constant(`${spec.name}${spec.args}`);
  const pool = depth >= maxDepth ? spec.children.filter((c) => !c.children) : spec.children;
  const kids = pool.length > 0 ? pool : spec.children.slice(0, 1);
  return fc
    .subarray(kids, { minLength: 1, maxLength: Math.min(4, kids.length) })
    .chain((picked) => fc.tuple(...picked.map((c) => selection(c, depth + 1, maxDepth))))
    .map((parts) => `${spec.name}${spec.args} { ${parts.join(' ')} }`);
}

type Corruption = (doc: string, n: number) => string;

/** Insert `text` after the n-th `{ ` of the operation (fragments untouched). */
function insertInSelection(doc: string, n: number, text: string): string {
  const positions = [...doc.matchAll(/\{ /g)].map((m) => m.index!);
  const at = positions[n % positions.length]! + 2;
  return `${doc.slice(0, at)}${text} ${doc.slice(at)}`;
}

/** Changes that make a valid document invalid, each for its own rule of the GraphQL specification. */
const CORRUPTIONS: Record<string, Corruption> = {
  'an unknown field': (d, n) => insertInSelection(d, n, `zzUnknown${n % 7}`),
  'an unknown argument': (d) => d.replace('zzDenied: customer(', 'zzDenied: customer(zzArg: 1, '),
  'a wrong argument type': (d) => d.replace(/zzDenied: customer\(id: "[^"]*"\)/, 'zzDenied: customer(id: 12.5)'),
  'a missing required argument': (d) => d.replace('zzDenied: customer', 'zzMissing: order { id } zzDenied: customer'),
  'an unknown type condition': (d, n) => insertInSelection(d, n, '... on ZzNope { id }'),
  'a spread on an impossible type': (d) => d.replace('query Fuzz { ', 'query Fuzz { ... on Order { id } '),
  'a fragment cycle': (d) => `${d.replace('query Fuzz { ', 'query Fuzz { ...ZzA ')}\nfragment ZzA on Query { ...ZzB }\nfragment ZzB on Query { ...ZzA }`,
  'an unknown fragment': (d) => d.replace('query Fuzz { ', 'query Fuzz { ...ZzMissing '),
  'an unused fragment': (d) => `${d}\nfragment ZzUnused on Query { __typename }`,
  'an undefined variable': (d) => d.replace(/zzDenied: customer\(id: "[^"]*"\)/, 'zzDenied: customer(id: $zzUndefined)'),
  'a duplicate operation name': (d) => `${d}\nquery Fuzz { __typename }`,
  'conflicting aliases': (d) => d.replace('query Fuzz { ', 'query Fuzz { zzA: customers(first: 1) { totalCount } zzA: customers(first: 2) { totalCount } '),
  'an unknown directive': (d) => d.replace('zzDenied: customer', 'zzDenied: customer @zzNope'),
  'a repeated non-repeatable directive': (d) => d.replace('zzDenied: customer', 'zzDenied: customer @include(if: true) @include(if: true)'),
  'a selection on a leaf': (d) => d.replace('{ id phone', '{ id { zz } phone'),
  'a missing selection': (d) => d.replace('query Fuzz { ', 'query Fuzz { zzNoSub: customers(first: 1) '),
  'a variable of the wrong type': (d) => d.replace('query Fuzz {', 'query Fuzz($v: Int) {').replace(/zzDenied: customer\(id: "[^"]*"\)/, 'zzDenied: customer(id: $v)'),
  'an unknown variable type': (d) => d.replace('query Fuzz {', 'query Fuzz($v: ZzType) {'),
  'a missing closing brace': (d, n) => {
    const at = [...d.matchAll(/\}/g)].map((m) => m.index!);
    const i = at[n % at.length]!;
    return d.slice(0, i) + d.slice(i + 1);
  },
  'a stray token': (d, n) => insertInSelection(d, n, ')'),
  'a misspelt keyword': (d) => d.replace('query Fuzz', 'qurey Fuzz'),
  'a truncated document': (d, n) => d.slice(0, 1 + (n % (d.length - 2))),
};

/** Valid operations from the supergraph, made invalid by one to three corruptions, or hostile in shape. */
export function graphqlProbes(world: FuzzWorld): fc.Arbitrary<Probe> {
  const supergraph = loadSupergraph();
  const own = world.customers.find((c) => c.invoiceId && c.caseId) ?? world.customers[0]!;
  const args = entryArgs({ customerId: own.id, customerName: own.name, orderId: own.orderId, orderNumber: own.orderNumber, invoiceId: own.invoiceId ?? '1', invoiceNumber: own.invoiceNumber ?? 'INV/2026/00001', caseId: own.caseId ?? '1', sku: world.skus[0] });
  const trees = entryPoints(supergraph.schema).map((e) => fieldTree(supergraph.schema, e, args[e]!));
  const callers = filteredCallers(world);
  const valid = fc.constantFrom(...trees).chain((tree) => selection(tree)).map((root) => `query Fuzz { ${root} ${deniedField(own)} }`);
  const names = Object.keys(CORRUPTIONS);
  const corrupted = fc
    .tuple(valid, fc.array(fc.tuple(fc.constantFrom(...names), fc.nat()), { minLength: 1, maxLength: 3 }), fc.constantFrom(...callers))
    .map(([doc, changes, caller]) => {
      const text = changes.reduce((d, [name, n]) => CORRUPTIONS[name]!(d, n), doc);
      return sameForEveryRole(`${changes.map(([name]) => name).join(', ')}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`, text, [caller]);
    });
  const leaf = `customer(id: "${own.id}") { id name billing { outstanding { amount } } }`;
  const hostile = (label: string, query: string, caller: Caller, expect: Expectation): Probe => ({ class: 'graphql', label, steps: [{ caller, request: graphqlPost({ query }), expect }] });
  const roleArb = fc.constantFrom<Caller>({ role: 'admin' }, { role: 'support_agent' });
  return fc.oneof(
    { weight: 10, arbitrary: corrupted },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 6, max: 26 }), fc.integer({ min: 2, max: 3 }), roleArb).map(([levels, fanOut, caller]) => hostile(`fragment bomb of ${levels} levels of ${fanOut}`, fragmentBomb(levels, leaf, fanOut), caller, { kind: 'hostile' })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 5000 }).map((depth) => hostile(`unknown fields nested ${depth} deep`, `{ ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }`, { role: 'admin' }, INVALID)) },
    { weight: 1, arbitrary: fc.integer({ min: 500, max: 5000 }).map((n) => hostile(`${n} aliases of an unknown field`, `{ ${Array.from({ length: n }, (_, i) => `a${i}: zz`).join(' ')} }`, { role: 'admin' }, INVALID)) },
    { weight: 1, arbitrary: fc.integer({ min: 500, max: 10_000 }).map((n) => hostile(`${n} aliases of __typename`, `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`, { role: 'support_agent' }, { kind: 'hostile' })) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 2000 }).map((n) => hostile(`${n} @include on one field`, `{ __typename ${'@include(if: true) '.repeat(n)}}`, { role: 'admin' }, INVALID)) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 100, max: 2000 }).map((n) => hostile(`${n} fragments, each used once`, `{ ${Array.from({ length: n }, (_, i) => `...G${i}`).join(' ')} }\n${Array.from({ length: n }, (_, i) => `fragment G${i} on Query { __typename }`).join('\n')}`, { role: 'support_agent' }, { kind: 'hostile' })),
    },
  );
}

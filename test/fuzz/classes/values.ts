import fc from 'fast-check';
import { isSalesforceId } from '../../../sandbox/world/salesforce-id.js';
import { graphqlPost, rawPost, type Answer, type Caller, type Expectation, type Probe } from '../probe.js';
import type { FuzzWorld } from '../world.js';
import { BLANKS, INT_EDGES, NOT_IN_NAMES, hasLoneSurrogate, hostileString } from './hostile-strings.js';

/** Bad input: BAD_USER_INPUT at the field, no data there, no backend call. */
export function badInputAt(field: string): Expectation {
  return { kind: 'invalid', errorAt: { field, code: 'BAD_USER_INPUT' }, noData: true, noBackendCalls: true };
}

/**
 * A variable no GraphQL String can hold (a lone surrogate) fails variable coercion: the whole
 * request is refused, 400 BAD_USER_INPUT, as GraphQL over HTTP answers invalid variables.
 */
export const VARIABLE_REFUSED: Expectation = { kind: 'invalid', status: [400], codes: ['BAD_USER_INPUT'], noData: true, noBackendCalls: true };

/** BAD_USER_INPUT at the field, or for the whole request when the value is not well-formed Unicode. */
function refusedValue(field: string, value: string): Expectation {
  return hasLoneSurrogate(value) ? VARIABLE_REFUSED : badInputAt(field);
}

const SEARCH = 'query($s: String) { customers(search: $s) { totalCount } }';

/** The fixed reproductions: a lone surrogate in a search (it crashed the process) and blank searches (they listed everyone). */
export function valuesReproductions(): Probe[] {
  const probe = (label: string, caller: Caller, body: string, expect: Expectation = { ...badInputAt('customers'), status: [200] }): Probe => ({ class: 'values', label, steps: [{ caller, request: rawPost(body), expect }] });
  // The body as the issue gives it: JSON text with the escape, so that the server's JSON.parse makes the lone surrogate.
  const surrogate = '{"query":"query($s:String){customers(search:$s){totalCount}}","variables":{"s":"\\udc00"}}';
  return [
    probe('a lone low surrogate in customers(search:)', { role: 'admin' }, surrogate, VARIABLE_REFUSED),
    probe('a lone high surrogate in customers(search:)', { role: 'support_agent' }, surrogate.replace('\\udc00', '\\ud800'), VARIABLE_REFUSED),
    ...[' ', '\t\n', '\ufeff', ' \ufeff '].map((s) => probe(`customers(search: ${JSON.stringify(s)}) of blanks only`, { role: 'admin' }, JSON.stringify({ query: SEARCH, variables: { s } }))),
  ];
}

interface Target {
  field: string;
  type: string;
  selection: string;
  /** Whether the value is well-formed for the argument, per the validation rule the subgraph states. */
  wellFormed(value: string): boolean;
}

const RECORD_ID = /^[1-9]\d{0,15}$/;
const RECORD_NAME = /^[A-Za-z0-9/_-]{1,64}$/;
const TARGETS: Target[] = [
  { field: 'customer', type: 'ID!', selection: 'id name', wellFormed: isSalesforceId },
  { field: 'order', type: 'ID!', selection: 'id number', wellFormed: (v) => RECORD_ID.test(v) },
  { field: 'invoice', type: 'ID!', selection: 'id number', wellFormed: (v) => RECORD_ID.test(v) },
  { field: 'case', type: 'ID!', selection: 'id subject', wellFormed: (v) => RECORD_ID.test(v) },
  { field: 'orderByNumber', type: 'String!', selection: 'id number', wellFormed: (v) => RECORD_NAME.test(v) },
  { field: 'invoiceByNumber', type: 'String!', selection: 'id number', wellFormed: (v) => RECORD_NAME.test(v) },
  // eslint-disable-next-line no-control-regex
  { field: 'product', type: 'String!', selection: 'id sku', wellFormed: (v) => v.length > 0 && v.length <= 64 && !/[\u0000-\u001f\u007f]/.test(v) },
];
const ARG: Record<string, string> = { customer: 'id', order: 'id', invoice: 'id', case: 'id', orderByNumber: 'number', invoiceByNumber: 'number', product: 'sku' };

/** What a search text must get: blank, surrogate-bearing and overlong texts are refused; metacharacters find nothing. */
function searchExpectation(s: string): Expectation {
  if (s !== '' && s.trim() === '') return badInputAt('customers');
  if (hasLoneSurrogate(s)) return VARIABLE_REFUSED;
  if (s.trim().length > 100) return badInputAt('customers');
  if (s.trim() !== '' && NOT_IN_NAMES.test(s)) {
    return {
      kind: 'hostile',
      check: (a: Answer) => {
        const total = a.json?.data?.customers?.totalCount;
        const refused = (a.json?.errors ?? []).some((e: { extensions?: { code?: string } }) => e.extensions?.code === 'BAD_USER_INPUT');
        return total === 0 || refused ? [] : [`search ${JSON.stringify(s)} found ${total} customers`];
      },
    };
  }
  return { kind: 'hostile' };
}

/** Hostile values for the arguments of every entry point, as variables, from several roles. */
export function valuesProbes(world: FuzzWorld): fc.Arbitrary<Probe> {
  const reseller = world.customers.find((c) => c.reseller)!.reseller!;
  const caller = fc.constantFrom<Caller>({ role: 'admin' }, { role: 'support_agent' }, { role: 'partner', partnerId: reseller });
  const byId = fc.tuple(fc.constantFrom(...TARGETS), hostileString(), caller).map(([t, v, c]): Probe => {
    const query = `query($v: ${t.type}) { ${t.field}(${ARG[t.field]}: $v) { ${t.selection} } }`;
    // A value the argument's rule refuses is refused before any backend call, whoever asks; partners may not read cases at all.
    const closed = t.field === 'case' && c !== null && 'role' in c && c.role === 'partner';
    const expect: Expectation = hasLoneSurrogate(v)
      ? VARIABLE_REFUSED
      : closed
      ? { kind: 'invalid', errorAt: { field: 'case', code: 'FORBIDDEN' }, noData: true, noBackendCalls: true }
      : t.wellFormed(v)
        ? { kind: 'hostile' }
        : refusedValue(t.field, v);
    return { class: 'values', label: `${t.field}(${ARG[t.field]}: ${JSON.stringify(v).slice(0, 60)})`, steps: [{ caller: c, request: graphqlPost({ query, variables: { v } }), expect }] };
  });
  const search = fc.tuple(fc.oneof(hostileString(), fc.constantFrom(...BLANKS)), caller).map(([s, c]): Probe => ({
    class: 'values',
    label: `customers(search: ${JSON.stringify(s).slice(0, 60)})`,
    steps: [{ caller: c, request: graphqlPost({ query: 'query($s: String) { customers(search: $s, first: 5) { totalCount edges { node { id } } } }', variables: { s } }), expect: searchExpectation(s) }],
  }));
  const pageSize = fc.tuple(fc.constantFrom(...INT_EDGES), fc.constantFrom('customers', 'orders'), caller).map(([raw, where, c]): Probe => {
    // customers pages hold 1 to 100 rows; a nested orders page may be empty (first: 0 asks for the count alone).
    const valid = /^-?\d+$/.test(raw) && Number(raw) >= (where === 'customers' ? 1 : 0) && Number(raw) <= 100;
    const query =
      where === 'customers' ? 'query($f: Int) { customers(first: $f) { totalCount } }' : `query($f: Int) { customer(id: "${world.customers[0]!.id}") { orders(first: $f) { totalCount } } }`;
    // A page size that is no Int from 1 to 100 is a client mistake (GraphQL coercion or the resolver's bound); null means the default.
    const expect: Expectation =
      valid || raw === 'null'
        ? { kind: 'hostile' }
        : { kind: 'invalid', noBackendCalls: where === 'customers', check: (a) => ((a.json?.errors ?? []).some((e: { extensions?: { code?: string } }) => e.extensions?.code === 'BAD_USER_INPUT') ? [] : ['no BAD_USER_INPUT']) };
    return { class: 'values', label: `${where}(first: ${raw})`, steps: [{ caller: c, request: rawPost(`{"query":${JSON.stringify(query)},"variables":{"f":${raw}}}`), expect }] };
  });
  const cursor = fc.tuple(hostileString(), caller).map(([after, c]): Probe => ({
    class: 'values',
    label: `customers(after: ${JSON.stringify(after).slice(0, 60)})`,
    steps: [{ caller: c, request: graphqlPost({ query: 'query($a: String) { customers(first: 2, after: $a) { totalCount } }', variables: { a: after } }), expect: refusedValue('customers', after) }],
  }));
  return fc.oneof({ weight: 4, arbitrary: byId }, { weight: 3, arbitrary: search }, { weight: 2, arbitrary: pageSize }, { weight: 1, arbitrary: cursor });
}

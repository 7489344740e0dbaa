import fc from 'fast-check';
import { graphqlPost, rawPost, type Caller, type Expectation, type Probe } from '../probe.js';
import type { RawRequest } from '../send.js';
import type { FuzzWorld } from '../world.js';

/** The request body limit of the gateway (subgraphs/shared/server/apollo-http.ts, MAX_BODY_BYTES). */
export const BODY_LIMIT = 2 * 1024 * 1024;

const ADMIN: Caller = { role: 'admin' };
const AGENT: Caller = { role: 'support_agent' };
/** A client mistake: a 4xx with a coded error, and no backend hears of it. */
const MISTAKE: Expectation = { kind: 'invalid', status: [400], noData: true, noBackendCalls: true };
const QUERY = 'query Q { customers(first: 1) { totalCount } }';

function probe(label: string, caller: Caller, request: RawRequest, expect: Expectation): Probe {
  return { class: 'http', label, steps: [{ caller, request, expect }] };
}

/** Variables nested `depth` levels deep, written as text (no recursion to build them). */
export function deepVariables(depth: number, array = false): string {
  const [open, close] = array ? ['[', ']'] : ['{"a":', '}'];
  return `{"query":"query($x: String) { customers(search: $x) { totalCount } }","variables":{"x":${open.repeat(depth)}1${close.repeat(depth)}}}`;
}

/** A body of `bytes` bytes: a valid query and one long variable. */
export function bodyOfSize(bytes: number): string {
  const head = '{"query":"{ __typename }","variables":{"pad":"';
  const tail = '"}}';
  return head + 'a'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail;
}

/** The fixed reproductions of client mistakes once answered 500 or with a reset connection. */
export function httpReproductions(): Probe[] {
  const json = (body: Record<string, unknown>) => graphqlPost(body);
  const typed = (type: string, extra: Record<string, string> = {}) => rawPost(JSON.stringify({ query: QUERY }), { 'content-type': type, ...extra });
  return [
    probe('an unknown operationName', ADMIN, json({ query: QUERY, operationName: 'B' }), MISTAKE),
    probe('operationName ""', ADMIN, json({ query: QUERY, operationName: '' }), MISTAKE),
    probe('several anonymous operations', ADMIN, json({ query: '{ customers(first: 1) { totalCount } } { customers(first: 2) { totalCount } }' }), MISTAKE),
    probe('a subscription operation', ADMIN, json({ query: 'subscription { customers(first: 1) { totalCount } }' }), MISTAKE),
    probe('variables nested 3,000 levels deep', ADMIN, rawPost(deepVariables(3000)), MISTAKE),
    probe('a 3 MB body with a valid token: 413', ADMIN, rawPost(bodyOfSize(3_000_000)), { ...MISTAKE, status: [413] }),
    probe('Content-Type application/xml: 415', ADMIN, typed('application/xml'), { ...MISTAKE, status: [415] }),
    probe('Content-Type text/plain with a preflight header: 415', ADMIN, typed('text/plain', { 'apollo-require-preflight': 'true' }), { ...MISTAKE, status: [415] }),
    probe('Content-Type application/x-www-form-urlencoded with a preflight header: 415', ADMIN, typed('application/x-www-form-urlencoded', { 'apollo-require-preflight': 'true' }), { ...MISTAKE, status: [415] }),
    probe('Content-Type application/graphql-response+json is accepted', ADMIN, typed('application/graphql-response+json'), { kind: 'valid', status: [200], check: (a) => (a.json?.data?.customers ? [] : ['no data']) }),
  ];
}

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);

/** Bodies that are not JSON, or JSON of the wrong shape. */
const badBodies: fc.Arbitrary<{ label: string; body: string | Buffer }> = fc.oneof(
  fc.nat().map((cut) => {
    const text = JSON.stringify({ query: QUERY, variables: {} });
    return { label: 'truncated JSON', body: text.slice(0, 1 + (cut % (text.length - 1))) };
  }),
  fc.string({ maxLength: 200 }).map((s) => ({ label: 'random text', body: s })),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => ({ label: 'random bytes', body: Buffer.from(b) })),
  fc.constantFrom(
    { label: 'empty body', body: '' },
    { label: 'JSON null', body: 'null' },
    { label: 'a JSON array', body: '[]' },
    { label: 'a batch of one', body: JSON.stringify([{ query: QUERY }]) },
    { label: 'a JSON number', body: '42' },
    { label: 'a JSON string', body: JSON.stringify(QUERY) },
    { label: 'trailing garbage', body: `${JSON.stringify({ query: QUERY })} }` },
    { label: 'single quotes', body: `{'query': '${QUERY}'}` },
    { label: 'NaN literal', body: `{"query": "${QUERY}", "variables": {"x": NaN}}` },
    { label: 'a comment', body: `{"query": "${QUERY}" /* x */}` },
    { label: 'a byte order mark first', body: `\ufeff${JSON.stringify({ query: QUERY })}` },
    { label: 'an empty object', body: '{}' },
  ),
);

/** A body whose fields have the wrong types. */
const wrongTypes = fc
  .record(
    {
      query: fc.constantFrom<unknown>(123, [], {}, null, true, '', [QUERY]),
      variables: fc.constantFrom<unknown>('{}', [], 1, true, 'null'),
      operationName: fc.constantFrom<unknown>(1, [], {}, true),
      extensions: fc.constantFrom<unknown>('x', [], 1),
    },
    { requiredKeys: [] },
  )
  .filter((r) => Object.keys(r).length > 0)
  .map((r) => ({ label: `wrong types: ${JSON.stringify(r).slice(0, 80)}`, body: JSON.stringify({ query: QUERY, ...r }) }));

const operationMistakes = fc.oneof(
  identifier.map((name) => ({ label: `unknown operationName ${name}`, body: { query: QUERY, operationName: `${name}X` } })),
  fc.constant({ label: 'operationName ""', body: { query: QUERY, operationName: '' } }),
  fc.constant({ label: 'two operations, no operationName', body: { query: `${QUERY} query R { __typename }` } }),
  fc.integer({ min: 2, max: 5 }).map((n) => ({ label: `${n} anonymous operations`, body: { query: Array.from({ length: n }, () => '{ __typename }').join(' ') } })),
  fc.constantFrom('subscription { __typename }', 'subscription S { customers(first: 1) { totalCount } }').map((q) => ({ label: `a subscription: ${q}`, body: { query: q } })),
  fc.constant({ label: 'fragments only', body: { query: 'fragment F on Query { __typename }' } }),
  fc.constant({ label: 'operationName for an anonymous operation', body: { query: '{ __typename }', operationName: 'Q' } }),
);

const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', 'application/graphql', 'application/octet-stream', 'image/png', ''];
const SIMPLE = /^(text\/plain|application\/x-www-form-urlencoded|multipart\/form-data)/;
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/graphql-response+json', 'APPLICATION/JSON'];

/** Malformed HTTP and JSON: bad bodies, wrong types, operation mistakes, deep and huge bodies, odd content types, GET. */
export function httpProbes(world: FuzzWorld): fc.Arbitrary<Probe> {
  const caller = fc.constantFrom(ADMIN, ADMIN, AGENT);
  const customer = world.customers[0]!.id;
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(badBodies, caller).map(([b, c]) => probe(b.label, c, rawPost(b.body), MISTAKE)) },
    { weight: 2, arbitrary: fc.tuple(wrongTypes, caller).map(([b, c]) => probe(b.label, c, rawPost(b.body), MISTAKE)) },
    { weight: 3, arbitrary: fc.tuple(operationMistakes, caller).map(([m, c]) => probe(m.label, c, graphqlPost(m.body), MISTAKE)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.integer({ min: 600, max: 5000 }), fc.boolean()).map(([depth, array]) => probe(`variables nested ${depth} deep${array ? ' (arrays)' : ''}`, ADMIN, rawPost(deepVariables(depth, array)), MISTAKE)),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1024 * 1024 }).map((extra) => probe(`a body ${extra} bytes over the limit`, ADMIN, rawPost(bodyOfSize(BODY_LIMIT + extra)), { ...MISTAKE, status: [413] })) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES, undefined), fc.boolean(), caller).map(([type, preflight, c]) => {
        const headers: Record<string, string> = { ...(type === undefined ? {} : { 'content-type': type }), ...(preflight ? { 'apollo-require-preflight': 'true' } : {}) };
        // Apollo's CSRF rule may refuse a simple or missing content type (400) before the content type is judged (415).
        const csrf = type === undefined || type === '' || (SIMPLE.test(type) && !preflight);
        return probe(`Content-Type ${JSON.stringify(type)}${preflight ? ' with a preflight header' : ''}`, c, rawPost(JSON.stringify({ query: QUERY }), headers), { ...MISTAKE, status: csrf ? [400, 415] : [415] });
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...JSON_TYPES).map((type) => probe(`Content-Type ${type}`, ADMIN, rawPost(JSON.stringify({ query: QUERY }), { 'content-type': type }), { kind: 'valid', status: [200] })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom('valid', 'no preflight', 'mutation', 'bad variables', 'no query', 'query and bad operationName'), caller).map(([kind, c]) => {
        const params = new URLSearchParams();
        if (kind !== 'no query') params.set('query', kind === 'mutation' ? `mutation { cancelOrder(id: "1") { id } }` : 'query($id: ID!) { customer(id: $id) { id name } }');
        params.set('variables', kind === 'bad variables' ? '{"id": ' : JSON.stringify({ id: customer }));
        if (kind === 'query and bad operationName') params.set('operationName', 'Nope');
        const headers: Record<string, string> = kind === 'no preflight' ? {} : { 'apollo-require-preflight': 'true' };
        const request: RawRequest = { method: 'GET', path: `/graphql?${params}`, headers };
        const expect: Expectation = kind === 'valid' ? { kind: 'valid', status: [200] } : { ...MISTAKE, status: kind === 'mutation' ? [400, 405] : [400] };
        return probe(`GET: ${kind}`, c, request, expect);
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE').map((method) => probe(`${method} /graphql`, ADMIN, { ...graphqlPost({ query: QUERY }), method }, { ...MISTAKE, status: [400, 404, 405] })),
    },
  );
}

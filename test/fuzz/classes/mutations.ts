import fc from 'fast-check';
import { codesOf, graphqlPost, rawPost, type Caller, type Expectation, type Probe } from '../probe.js';
import type { FuzzCustomer, FuzzWorld } from '../world.js';
import { CONTROLS, METACHARACTERS, SURROGATES, UNICODE, hasControl, hasLoneSurrogate, hostileString } from './hostile-strings.js';

/** Refused before anything is written: BAD_USER_INPUT at the mutation, no write in any backend. */
export function refusedWrite(field: string): Expectation {
  return { kind: 'invalid', errorAt: { field, code: 'BAD_USER_INPUT' }, noData: true, noWrites: true };
}

/** A variable holding a lone surrogate fails the whole request (400 BAD_USER_INPUT), before anything is written. */
const REFUSED_REQUEST: Expectation = { kind: 'invalid', status: [400], codes: ['BAD_USER_INPUT'], noData: true, noWrites: true };

/** The refusal a mutation gets for a value: the request's when the value is not well-formed Unicode, the field's otherwise. */
function refusedValueWrite(field: string, value: string): Expectation {
  return hasLoneSurrogate(value) ? REFUSED_REQUEST : refusedWrite(field);
}

const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status amountTotal { amount } } }';
const OPEN = 'mutation($input: OpenCaseInput!) { openCase(input: $input) { id order { number } } }';
const UPDATE = 'mutation($id: ID!, $input: CustomerProfileInput!) { updateCustomerProfile(id: $id, input: $input) { id website type } }';
const SALES: Caller = { role: 'sales_rep' };
const AGENT: Caller = { role: 'support_agent' };

function one(label: string, caller: Caller, body: Record<string, unknown> | string, expect: Expectation, headers: Record<string, string> = {}): Probe {
  const request = typeof body === 'string' ? rawPost(body, { 'content-type': 'application/json', ...headers }) : graphqlPost(body, headers);
  return { class: 'mutations', label, steps: [{ caller, request, expect }] };
}

/** A placeOrder body with the quantity written as raw JSON text (so that -0 and 1e-300 arrive as such). */
function placeBody(customer: string, sku: string, quantity: string, extra = ''): string {
  return `{"query":${JSON.stringify(PLACE)},"variables":{"input":{"customerId":${JSON.stringify(customer)},"lines":[{"sku":${JSON.stringify(sku)},"quantity":${quantity}}]${extra}}}}`;
}

/** The fixed reproductions of writes that went through: idempotency keys, quantities, case links, control characters, profile values. */
export function mutationReproductions(world: FuzzWorld): Probe[] {
  const [a, b] = world.scratch as [FuzzCustomer, FuzzCustomer];
  const sku = world.skus[0]!;
  const foreignOrder = world.customers[0]!.orderNumber;
  const longKey = `retry-${'k'.repeat(195)}`;
  const sameCodes = (answers: { json?: unknown }[]) => {
    const codes = answers.map((x) => codesOf(x as never).join(' '));
    return codes.every((c) => c === codes[0]) ? [] : [`the header and the input field are not validated alike: ${codes.join(' | ')}`];
  };
  const keyOf200 = `retry-${'r'.repeat(194)}`;
  return [
    {
      class: 'mutations',
      label: 'an Idempotency-Key header of 201 characters, sent twice, and the same key as input.idempotencyKey',
      steps: [
        { caller: SALES, request: rawPost(placeBody(a.id, sku, '1'), { 'content-type': 'application/json', 'idempotency-key': longKey }), expect: refusedWrite('placeOrder') },
        { caller: SALES, request: rawPost(placeBody(a.id, sku, '1'), { 'content-type': 'application/json', 'idempotency-key': longKey }), expect: refusedWrite('placeOrder') },
        { caller: SALES, request: rawPost(placeBody(a.id, sku, '1', `,"idempotencyKey":${JSON.stringify(longKey)}`)), expect: refusedWrite('placeOrder') },
      ],
      joint: sameCodes,
    },
    {
      class: 'mutations',
      label: 'an Idempotency-Key header of 200 characters replays the first order',
      steps: [0, 1].map(() => ({ caller: SALES, request: rawPost(placeBody(b.id, sku, '1'), { 'content-type': 'application/json', 'idempotency-key': keyOf200 }), expect: { kind: 'valid' as const, status: [200] } })),
      joint: (answers) => {
        const ids = answers.map((x) => x.json?.data?.placeOrder?.id);
        const creates = answers.reduce((n, x) => n + (x.calls?.['odoo:sale.order.create'] ?? 0), 0);
        return ids[0] && ids[0] === ids[1] && creates === 1 ? [] : [`orders ${ids.join(', ')} with ${creates} sale.order.create calls`];
      },
    },
    one('placeOrder with quantity 1e-300', SALES, placeBody(a.id, sku, '1e-300'), refusedWrite('placeOrder')),
    one('placeOrder with quantity 0.0001', SALES, placeBody(a.id, sku, '0.0001'), refusedWrite('placeOrder')),
    one("openCase linked to another customer's order", AGENT, { query: OPEN, variables: { input: { customerId: a.id, subject: 'Damaged', description: 'Crushed box', orderId: foreignOrder } } }, refusedWrite('openCase')),
    one('openCase linked to a nonexistent order', AGENT, { query: OPEN, variables: { input: { customerId: a.id, subject: 'Damaged', description: 'Crushed box', orderId: 'S99999' } } }, refusedWrite('openCase')),
    ...[
      ['NUL', { subject: 'a\u0000b', description: 'text' }],
      ['ESC', { subject: 'Damaged', description: 'text \u001b[31mred' }],
      ['BEL', { subject: 'Ring\u0007', description: 'text' }],
    ].map(([name, text]) => one(`openCase with a ${name as string} character`, AGENT, { query: OPEN, variables: { input: { customerId: a.id, ...(text as object) } } }, refusedWrite('openCase'))),
    one('updateCustomerProfile website javascript:alert(1)', SALES, { query: UPDATE, variables: { id: a.id, input: { website: 'javascript:alert(1)' } } }, refusedWrite('updateCustomerProfile')),
    one("updateCustomerProfile type outside Salesforce's picklist", SALES, { query: UPDATE, variables: { id: a.id, input: { type: 'Evil Type' } } }, refusedWrite('updateCustomerProfile')),
  ];
}

const BAD_QUANTITIES = ['1e-300', '0.0001', '0', '-0', '-1', '5e-324', '1e-7', '100001', '1e308'];
const SCRIPT_URLS = ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'javascript://example.com/%0Aalert(1)'];
const NOT_PICKLIST = ['Evil Type', "' OR 1=1 --", 'Customer', '<b>Reseller</b>', 'Customer - Direct; DROP', 'Reseller\u0000'];
const SKU = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

/** Hostile inputs to every mutation, as a role allowed to make it, on scratch customers. */
export function mutationProbes(world: FuzzWorld): fc.Arbitrary<Probe> {
  const customer = fc.constantFrom(...world.scratch);
  const sku = fc.constantFrom(...world.skus);
  const text = hostileString();
  const invalidText = fc.constantFrom(...CONTROLS.map((c) => `Damaged ${c}`));
  const quantity = fc.tuple(customer, sku, fc.constantFrom(...BAD_QUANTITIES)).map(([c, s, q]) => one(`placeOrder quantity ${q}`, SALES, placeBody(c.id, s, q), refusedWrite('placeOrder')));
  const badSku = fc.tuple(customer, text.filter((s) => !SKU.test(s))).map(([c, s]) => one(`placeOrder sku ${JSON.stringify(s).slice(0, 40)}`, SALES, placeBody(c.id, s, '1'), refusedValueWrite('placeOrder', s)));
  const reference = fc.tuple(customer, sku, text).map(([c, s, ref]) => {
    const invalid = hasControl(ref.trim()) || ref.trim().length > 64;
    return one(`placeOrder clientReference ${JSON.stringify(ref).slice(0, 40)}`, SALES, placeBody(c.id, s, '1', `,"clientReference":${JSON.stringify(ref)}`), invalid ? refusedValueWrite('placeOrder', ref) : { kind: 'hostile' });
  });
  const key = fc.tuple(customer, sku, fc.oneof(fc.integer({ min: 201, max: 2000 }).map((n) => 'k'.repeat(n)), fc.constantFrom('é-key', 'key with \u00ff')), fc.boolean()).map(([c, s, k, header]) =>
    header
      ? one(`placeOrder Idempotency-Key header of ${k.length} characters`, SALES, placeBody(c.id, s, '1'), refusedWrite('placeOrder'), { 'idempotency-key': k })
      : one(`placeOrder idempotencyKey of ${k.length} characters`, SALES, placeBody(c.id, s, '1', `,"idempotencyKey":${JSON.stringify(k)}`), refusedWrite('placeOrder')),
  );
  const lines = fc.tuple(customer, sku, fc.constantFrom(0, 101, 500)).map(([c, s, n]) =>
    one(`placeOrder with ${n} lines`, SALES, { query: PLACE, variables: { input: { customerId: c.id, lines: Array.from({ length: n }, () => ({ sku: s, quantity: 1 })) } } }, refusedWrite('placeOrder')),
  );
  const caseText = fc.tuple(customer, invalidText, fc.boolean()).map(([c, t, inSubject]) =>
    one(`openCase ${inSubject ? 'subject' : 'description'} ${JSON.stringify(t).slice(0, 40)}`, AGENT, { query: OPEN, variables: { input: { customerId: c.id, subject: inSubject ? t : 'Damaged', description: inSubject ? 'Crushed box' : t } } }, refusedValueWrite('openCase', t)),
  );
  const longSubject = fc.tuple(customer, fc.integer({ min: 151, max: 2000 })).map(([c, n]) =>
    one(`openCase subject of ${n} characters`, AGENT, { query: OPEN, variables: { input: { customerId: c.id, subject: 'S'.repeat(n), description: 'Crushed box' } } }, refusedWrite('openCase')),
  );
  const caseOrder = fc.tuple(customer, fc.oneof(fc.constantFrom(...world.customers.map((x) => x.orderNumber), 'S99999', 'S0000001', 'INV/2099/00001'), text)).map(([c, o]) =>
    one(`openCase orderId ${JSON.stringify(o).slice(0, 40)}`, AGENT, { query: OPEN, variables: { input: { customerId: c.id, subject: 'Damaged', description: 'Crushed box', orderId: o } } }, o.trim() === '' ? { kind: 'hostile' } : refusedValueWrite('openCase', o)),
  );
  const website = fc.tuple(customer, fc.constantFrom(...SCRIPT_URLS)).map(([c, w]) => one(`updateCustomerProfile website ${w}`, SALES, { query: UPDATE, variables: { id: c.id, input: { website: w } } }, refusedWrite('updateCustomerProfile')));
  const type = fc.tuple(customer, fc.constantFrom(...NOT_PICKLIST)).map(([c, t]) => one(`updateCustomerProfile type ${t}`, SALES, { query: UPDATE, variables: { id: c.id, input: { type: t } } }, refusedWrite('updateCustomerProfile')));
  const profileText = fc.tuple(customer, fc.constantFrom('name', 'industry', 'phone', 'accountNumber'), text).map(([c, field, t]) => {
    // Only refusals and harmless text are sent, and never a new name: a name of metacharacters would turn up in searches.
    const harmless = field !== 'name' && (METACHARACTERS.includes(t) || UNICODE.includes(t) || hasLoneSurrogate(t));
    const value = harmless || hasControl(t) || t.trim().length > 255 ? t : `${t.slice(0, 20)}\u0000`;
    const refused = hasControl(value) || value.trim().length > 255;
    return one(`updateCustomerProfile ${field} ${JSON.stringify(value).slice(0, 40)}`, SALES, { query: UPDATE, variables: { id: c.id, input: { [field]: value } } }, refused ? refusedValueWrite('updateCustomerProfile', value) : { kind: 'hostile' });
  });
  const ids = fc.tuple(fc.constantFrom('cancelOrder', 'addCaseComment', 'setCreditHold'), text).map(([m, id]) => {
    const query: Record<string, [string, Caller]> = {
      cancelOrder: ['mutation($id: ID!) { cancelOrder(id: $id) { id } }', SALES],
      addCaseComment: ['mutation($id: ID!) { addCaseComment(caseId: $id, body: "x") { id } }', AGENT],
      setCreditHold: ['mutation($id: ID!) { setCreditHold(customerId: $id, onHold: true, reason: "fuzz") { onHold } }', { role: 'finance' }],
    };
    const [q, caller] = query[m]!;
    const wellFormed = m === 'setCreditHold' ? /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id) : /^[1-9]\d{0,15}$/.test(id);
    // A well-formed id could name a real record: a nonexistent one is sent instead, so that nothing is cancelled or put on hold.
    const sent = wellFormed ? (m === 'setCreditHold' ? '001000000000999AAA' : '99999999') : id;
    return one(`${m}(${JSON.stringify(sent).slice(0, 40)})`, caller, { query: q, variables: { id: sent } }, wellFormed ? { kind: 'hostile', noWrites: true } : refusedValueWrite(m, id));
  });
  const surrogates = fc.tuple(customer, fc.constantFrom(...SURROGATES)).map(([c, s]) => one(`openCase subject with a lone surrogate ${JSON.stringify(s)}`, AGENT, { query: OPEN, variables: { input: { customerId: c.id, subject: s, description: 'x' } } }, { kind: 'hostile' }));
  return fc.oneof(quantity, badSku, reference, key, lines, caseText, longSubject, caseOrder, website, type, profileText, ids, surrogates);
}

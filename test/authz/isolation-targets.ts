import { salesforceId } from '../../sandbox/world/salesforce-id.js';
import type { RunningSystem } from '../../scripts/system.js';
import type { SkeletonCustomer } from '../../sandbox/world/skeleton.js';

/**
 * The probes of the isolation tests: every entry point a partner may call, each with the nested
 * paths below it, and for each the foreign records (another reseller's, a direct customer's,
 * reseller Accounts themselves) paired with nonexistent records of the same kind.
 */

/** One entry point and the selections asked below it. */
export interface ProbeEntry {
  /** Root field. */
  field: string;
  /** Its argument, as `name: Type` of the operation's one variable. */
  argument: string;
  variableType: string;
  /** Extra root arguments, printed (`, first: 5`). */
  extraArgs?: string;
  /** Selection sets by the nested path they reach (`root` for the record's own fields). */
  shapes: Record<string, string>;
}

/** A foreign value and a nonexistent one of the same kind, asked with the same query. */
export interface ProbePair {
  /** What the foreign value is. */
  label: string;
  foreign: string;
  unknown: string;
}

const ORDER_SHAPES = {
  root: 'id number status placedAt amountTotal { amount currency }',
  'order.customer': 'id customer { id name partner { id } }',
  'order.invoices': 'id invoices { id number amountDue { amount } }',
  'order.lines': 'id lines { quantity unitPrice { amount } product { id sku name } }',
  'order.shipments': 'id shipments { id number status }',
};

const INVOICE_SHAPES = {
  root: 'id number status paymentStatus amountDue { amount currency }',
  'invoice.order': 'id order { id number status }',
  'invoice.customer': 'id customer { id name }',
};

/** The entry points a partner may call (case is closed to the role: answered FORBIDDEN whatever the id). */
export const PROBE_ENTRIES: readonly ProbeEntry[] = [
  {
    field: 'customer',
    argument: 'id',
    variableType: 'ID!',
    shapes: {
      root: 'id name type industry website accountNumber',
      'customer.orders': 'id orders(first: 5) { totalCount edges { node { id number } } }',
      'customer.invoices': 'id invoices(first: 5) { totalCount edges { node { id number } } }',
      'customer.billing': 'id billing { onHold holdReason paymentTerms vatNumber }',
      'customer.partner': 'id partner { id name }',
      'customer.owner': 'id owner { id name }',
      'customer.cases': 'id openCaseCount',
    },
  },
  { field: 'order', argument: 'id', variableType: 'ID!', shapes: ORDER_SHAPES },
  { field: 'orderByNumber', argument: 'number', variableType: 'String!', shapes: ORDER_SHAPES },
  { field: 'invoice', argument: 'id', variableType: 'ID!', shapes: INVOICE_SHAPES },
  { field: 'invoiceByNumber', argument: 'number', variableType: 'String!', shapes: INVOICE_SHAPES },
  { field: 'case', argument: 'id', variableType: 'ID!', shapes: { root: 'id subject status', 'case.order': 'id order { id number }', 'case.customer': 'id customer { id name }' } },
  {
    field: 'customers',
    argument: 'search',
    variableType: 'String',
    extraArgs: ', first: 5',
    shapes: { root: 'totalCount edges { node { id name } }', 'customers.orders': 'totalCount edges { node { id orders(first: 2) { totalCount } } }' },
  },
];

/** The operation of one probe. */
export function probeQuery(entry: ProbeEntry, shape: string): string {
  return `query Probe($v: ${entry.variableType}) { ${entry.field}(${entry.argument}: $v${entry.extraArgs ?? ''}) { ${entry.shapes[shape]} } }`;
}

/** A foreign customer's records, as the entry points take them. */
export interface ForeignRecords {
  customerId: string;
  customerName: string;
  orderId: string;
  orderNumber: string;
  invoiceId: string;
  invoiceNumber: string;
  caseId: string;
}

/**
 * Foreign customers for the probes, `count` of another reseller's and `count` direct ones, each
 * with an order, an invoice and a ticket (read through the connectors, around the record caches).
 */
export async function foreignCustomers(system: RunningSystem, reseller: string, count: number): Promise<{ other: ForeignRecords[]; direct: ForeignRecords[] }> {
  const skeleton = system.skeleton!;
  const { odoo, serviceDesk } = system.connectors;
  // A search for a name another account's name contains would find that one too.
  const names = [...skeleton.customers, ...skeleton.resellers].map((a) => a.name.toLowerCase());
  const uniqueName = (name: string) => names.filter((n) => n.includes(name.toLowerCase())).length === 1;
  const pick = async (accept: (c: SkeletonCustomer) => boolean): Promise<ForeignRecords[]> => {
    const out: ForeignRecords[] = [];
    for (const c of skeleton.customers) {
      if (out.length === count) break;
      if (!accept(c) || !c.hasErpPartner || c.orders.length === 0 || c.ticketCount === 0 || !uniqueName(c.name)) continue;
      const moveIds = (await odoo.moveIdsByPartnerIds([c.odooPartnerId])).get(c.odooPartnerId) ?? [];
      const ticketId = (await serviceDesk.ticketsByOrganizationIds([c.zendeskOrgId])).get(c.zendeskOrgId)?.[0]?.id;
      // A draft's name is "/": no number to look it up by.
      const move = [...(await odoo.movesByIds(moveIds)).values()].find((m) => /^[A-Z]+\/\d{4}\/\d+$/.test(String(m.name)));
      if (move === undefined || ticketId === undefined) continue;
      const moveId = move.id;
      const order = c.orders[0]!;
      out.push({ customerId: c.accountId, customerName: c.name, orderId: String(order.odooId), orderNumber: order.number, invoiceId: String(moveId), invoiceNumber: String(move.name), caseId: String(ticketId) });
    }
    if (out.length < count) throw new Error('the seeded world has too few foreign customers for the probes');
    return out;
  };
  const resellerOf = (c: SkeletonCustomer) => (c.resellerIndex === null ? null : skeleton.resellers[c.resellerIndex]!.accountId);
  return { other: await pick((c) => resellerOf(c) !== null && resellerOf(c) !== reseller), direct: await pick((c) => resellerOf(c) === null) };
}

/**
 * Foreign values per entry point, each with its own nonexistent twin: the two have the same
 * history in every phase (both asked as often), so a fair system answers and costs them alike.
 * Every entry point gets customers of its own, so that no probe finds records warmed by another.
 */
export function probePairs(
  foreign: { other: ForeignRecords[]; direct: ForeignRecords[] },
  resellerAccounts: { own: string; other: string },
  /** Where this set starts in `foreign` and in the nonexistent ids: sets with different offsets share no record. */
  offset = 0,
): Record<string, ProbePair[]> {
  let n = offset * 100;
  const next = () => ++n;
  let slot = offset;
  const of = (pick: (r: ForeignRecords) => string, unknown: (i: number) => string): ProbePair[] => {
    const [other, direct] = [foreign.other[slot]!, foreign.direct[slot]!];
    slot++;
    return [
      { label: `another reseller's customer's ${pick(other)}`, foreign: pick(other), unknown: unknown(next()) },
      { label: `a direct customer's ${pick(direct)}`, foreign: pick(direct), unknown: unknown(next()) },
    ];
  };
  const account = (i: number) => salesforceId('001', 900_000 + i);
  return {
    customer: [
      ...of((r) => r.customerId, account),
      { label: "the partner's own reseller Account", foreign: resellerAccounts.own, unknown: account(next()) },
      { label: "another reseller's Account", foreign: resellerAccounts.other, unknown: account(next()) },
    ],
    order: of((r) => r.orderId, (i) => String(99_999_000 + i)),
    orderByNumber: of((r) => r.orderNumber, (i) => `S${String(99_999_000 + i)}`),
    invoice: of((r) => r.invoiceId, (i) => String(99_999_000 + i)),
    invoiceByNumber: of((r) => r.invoiceNumber, (i) => `INV/2026/${String(99_000 + i)}`),
    case: of((r) => r.caseId, (i) => String(99_999_000 + i)),
    customers: of((r) => r.customerName, (i) => `No Such Customer ${i} Ltd`),
  };
}

/** How many foreign customers of each kind one set of probePairs takes. */
export const FOREIGN_SLOTS = 7;

/** The answer text with the looked-up value masked, so that the answers for two values compare byte for byte. */
export function masked(text: string, value: string): string {
  const json = JSON.stringify(value).slice(1, -1);
  return text.split(json).join('<asked>');
}

const AGE = /"ageMs":(\d+)/g;

/**
 * Whether two masked answers are the same. Byte for byte, but for the `ageMs` of stale records:
 * the foreign and the nonexistent value were loaded by the probes themselves a few milliseconds
 * apart, so their ages differ by that gap (under a second), never by what another principal did
 * (an admin's read makes an age smaller by whole phases).
 */
export function sameAnswer(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.replace(AGE, '"ageMs":0') !== b.replace(AGE, '"ageMs":0')) return false;
  const ages = (text: string) => [...text.matchAll(AGE)].map((m) => Number(m[1]));
  const [x, y] = [ages(a), ages(b)];
  return x.every((age, i) => Math.abs(age - y[i]!) < 1000);
}

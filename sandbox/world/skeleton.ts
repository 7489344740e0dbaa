import { createRng, type Rng } from '../common/rng.js';
import { salesforceId } from './salesforce-id.js';

/**
 * The backend-neutral skeleton of the seeded retail world: who the customers are and how much
 * each one has in every system. Each sandbox builds its own records from it, so the crosswalk
 * (Salesforce Account Id = Odoo `res.partner.ref` = Zendesk `organization.external_id`) and the
 * order numbers that tickets cite agree across the three.
 */
export interface WorldOptions {
  /** Seed of every random draw (default 42). */
  seed?: number;
  /** Number of customer accounts (default 200; benchmarks use up to 10,000). */
  customers?: number;
}

export interface SalesRep {
  /** Salesforce User Id (`005...`). */
  userId: string;
  name: string;
  email: string;
}

export interface Reseller {
  /** Salesforce Account Id of the reseller (`001...`). */
  accountId: string;
  name: string;
  ownerIndex: number;
}

export interface SkeletonOrder {
  /** Odoo sale.order id. */
  odooId: number;
  /** Odoo order name, `S00042`. */
  number: string;
  /** Days before WORLD_NOW the order was placed. */
  ageDays: number;
}

export interface SkeletonCustomer {
  index: number;
  /** Salesforce Account Id: the customer's id everywhere. */
  accountId: string;
  name: string;
  industry: string;
  ownerIndex: number;
  /** Index into `resellers`, or null for a direct customer. */
  resellerIndex: number | null;
  contactCount: number;
  /** False for the data-quality case of an account with no ERP partner. */
  hasErpPartner: boolean;
  /** Odoo res.partner id (0 when hasErpPartner is false). */
  odooPartnerId: number;
  /** Sales block in Odoo (`sale_warn = 'block'`). */
  onSalesBlock: boolean;
  orders: SkeletonOrder[];
  /** Zendesk organization id. */
  zendeskOrgId: number;
  ticketCount: number;
}

export interface WorldSkeleton {
  seed: number;
  salesReps: SalesRep[];
  resellers: Reseller[];
  customers: SkeletonCustomer[];
  /** Customers by Account Id. */
  byAccountId: Map<string, SkeletonCustomer>;
  /** Number of products in the catalog (Odoo product.product ids 1..productCount). */
  productCount: number;
  /** Odoo res.partner id of the data-quality partner whose `ref` matches no account. */
  orphanErpPartnerId: number;
  /** Well-known records for docs and tests. */
  examples: {
    /** A direct customer with 30 orders and 3 tickets. */
    manyOrders: string;
    /** A direct customer with 2 orders and 3 tickets. */
    fewOrders: string;
    /** An account with no ERP partner. */
    noErpPartner: string;
    /** A customer whose organization has no tickets. */
    noTickets: string;
    /** A customer on sales block. */
    onSalesBlock: string;
    /** A reseller and one of its customers. */
    reseller: string;
    resellerCustomer: string;
    /** A customer of another reseller. */
    otherResellerCustomer: string;
  };
}

/** The fixed "now" of the seeded world, so that data and ages never depend on the wall clock. */
export const WORLD_NOW = new Date('2026-11-01T09:00:00Z');

const PREFIXES = ['North', 'Blue', 'Silver', 'Green', 'Oak', 'River', 'Summit', 'Harbor', 'Pine', 'Golden', 'Red', 'Iron', 'Maple', 'Cedar', 'Bright', 'Stone', 'Lake', 'Sun', 'Alpine', 'Coastal'];
const CORES = ['Bikes', 'Outfitters', 'Sports', 'Cycles', 'Trading', 'Supply', 'Retail', 'Goods', 'Gear', 'Stores', 'Mercantile', 'Depot', 'Market', 'Emporium', 'Traders'];
const SUFFIXES = ['Ltd', 'GmbH', 'SARL', 'Inc.', 'BV', 'AG', 'S.p.A.', 'Oy', 'AB', 'Co.'];
const INDUSTRIES = ['Retail', 'Hospitality', 'Education', 'Recreation', 'Transportation', 'Manufacturing', 'Healthcare', 'Government'];
const REP_NAMES = ['Ada Moreau', 'Ben Okafor', 'Chiara Rossi', 'Dmitri Volkov', 'Eva Lindqvist', 'Farid Haddad'];
const RESELLER_NAMES = ['Velo Partners', 'Trailhead Distribution', 'Peloton Resale', 'Urban Wheels Network', 'Summit Channel Group'];

/** Order counts: most customers have a few orders, some many (to expose N+1). */
function drawOrderCount(rng: Rng): number {
  const roll = rng.next();
  if (roll < 0.12) return 0;
  if (roll < 0.75) return rng.int(1, 8);
  if (roll < 0.92) return rng.int(9, 20);
  return rng.int(21, 40);
}

/** Builds the skeleton. Deterministic in (seed, customers); 10,000 customers take milliseconds. */
export function buildSkeleton(options: WorldOptions = {}): WorldSkeleton {
  const seed = options.seed ?? 42;
  const count = options.customers ?? 200;
  if (!Number.isInteger(count) || count < 10 || count > 100_000) throw new RangeError(`customers must be an integer in [10, 100000], got ${count}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const rng = createRng(seed);

  let userSeq = 1;
  const salesReps: SalesRep[] = REP_NAMES.map((name) => ({
    userId: salesforceId('005', userSeq++),
    name,
    email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@retail.example`,
  }));

  let accountSeq = 1;
  const resellerCount = Math.max(5, Math.round(count / 40));
  const resellers: Reseller[] = [];
  for (let i = 0; i < resellerCount; i++) {
    resellers.push({
      accountId: salesforceId('001', accountSeq++),
      name: i < RESELLER_NAMES.length ? RESELLER_NAMES[i]! : `${RESELLER_NAMES[i % RESELLER_NAMES.length]} ${Math.floor(i / RESELLER_NAMES.length) + 1}`,
      ownerIndex: i % salesReps.length,
    });
  }

  const names = new Set<string>();
  let orderSeq = 1;
  let partnerSeq = 10; // Odoo partners 1..9 are the company, the API user and other fixtures
  let orgSeq = 360_000_000;
  const customers: SkeletonCustomer[] = [];
  const draw = rng.fork('customers');
  for (let i = 0; i < count; i++) {
    let name = `${draw.pick(PREFIXES)} ${draw.pick(CORES)} ${draw.pick(SUFFIXES)}`;
    while (names.has(name)) name = `${name.replace(/ \d+$/, '')} ${names.size}`;
    names.add(name);
    const customer: SkeletonCustomer = {
      index: i,
      accountId: salesforceId('001', accountSeq++),
      name,
      industry: draw.pick(INDUSTRIES),
      ownerIndex: draw.int(0, salesReps.length - 1),
      resellerIndex: draw.chance(1 / 3) ? draw.int(0, resellers.length - 1) : null,
      contactCount: draw.int(2, 4),
      hasErpPartner: true,
      odooPartnerId: 0,
      onSalesBlock: draw.chance(0.05),
      orders: [],
      zendeskOrgId: orgSeq++,
      ticketCount: draw.int(0, 15),
    };
    const orderCount = drawOrderCount(draw);
    for (let k = 0; k < orderCount; k++) customer.orders.push({ odooId: 0, number: '', ageDays: draw.int(1, 720) });
    customers.push(customer);
  }

  // Well-known customers: fixed shapes that tests and docs rely on.
  const fix = (i: number, patch: Partial<SkeletonCustomer> & { orderCount?: number }) => {
    const c = customers[i]!;
    Object.assign(c, patch);
    if (patch.orderCount !== undefined) {
      const ages = rng.fork(`fixed-${i}`);
      c.orders = Array.from({ length: patch.orderCount }, () => ({ odooId: 0, number: '', ageDays: ages.int(1, 720) }));
    }
  };
  fix(0, { resellerIndex: null, orderCount: 30, ticketCount: 3, onSalesBlock: false, contactCount: 3 });
  fix(1, { resellerIndex: null, orderCount: 2, ticketCount: 3, onSalesBlock: false, contactCount: 2 });
  fix(2, { hasErpPartner: false, orderCount: 0, resellerIndex: null });
  fix(3, { ticketCount: 0, resellerIndex: null });
  fix(4, { onSalesBlock: true, resellerIndex: null, orderCount: 4 });
  fix(5, { resellerIndex: 0, orderCount: 6, ticketCount: 4, onSalesBlock: false });
  fix(6, { resellerIndex: 1, orderCount: 5, ticketCount: 2, onSalesBlock: false });

  // Odoo ids in a stable order: partners by customer, orders by customer then age (oldest first).
  for (const c of customers) {
    if (c.hasErpPartner) c.odooPartnerId = partnerSeq++;
    c.orders.sort((a, b) => b.ageDays - a.ageDays);
  }
  const orphanErpPartnerId = partnerSeq++;
  const allOrders = customers.flatMap((c) => c.orders).sort((a, b) => b.ageDays - a.ageDays);
  for (const o of allOrders) {
    o.odooId = orderSeq++;
    o.number = `S${String(o.odooId).padStart(5, '0')}`;
  }

  return {
    seed,
    salesReps,
    resellers,
    customers,
    byAccountId: new Map(customers.map((c) => [c.accountId, c])),
    productCount: 150,
    orphanErpPartnerId,
    examples: {
      manyOrders: customers[0]!.accountId,
      fewOrders: customers[1]!.accountId,
      noErpPartner: customers[2]!.accountId,
      noTickets: customers[3]!.accountId,
      onSalesBlock: customers[4]!.accountId,
      reseller: resellers[0]!.accountId,
      resellerCustomer: customers[5]!.accountId,
      otherResellerCustomer: customers[6]!.accountId,
    },
  };
}

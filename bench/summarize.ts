/**
 * What one benchmark response tells: whether it is a good answer, and which ERP records the view
 * needed (the ids it shows), for the minimum-calls replay. Pure, so the load worker can run it.
 */

import type { ShownFields } from './change-stream.js';

/** The three views the workloads send. */
export type ViewKind = 'customer360' | 'crm' | 'partner';

/** The compact facts of one response. */
export interface ResponseSummary {
  /** `data.customer` is an object. */
  customer: boolean;
  /** Codes of the errors other than FORBIDDEN (an authorized field removal is an expected answer). */
  errorCodes: string[];
  /** The first non-FORBIDDEN error message (truncated), to tell what went wrong. */
  firstError?: string;
  /** How many FORBIDDEN errors (fields the principal may not see). */
  forbidden: number;
  /** `customer.orders` was asked for and came back null. */
  ordersNull: boolean;
  orderIds: number[];
  orderNumbers: string[];
  lineIds: number[];
  productIds: number[];
  /** Ids of the customer's invoices connection. */
  invoiceIds: number[];
  /** Order numbers the customer's cases cite (Case.order). */
  caseOrderNumbers: string[];
  /** The balances (outstanding/overdue) came back. */
  balances: boolean;
  /** The response came from a gateway response cache (x-cache: HIT or extensions.responseCache.hit). */
  cacheHit?: boolean;
  /** The response carried `extensions.stale`. */
  stale: boolean;
  /** The values of the fields the change stream changes, when asked for (freshness runs). */
  shown?: ShownFields;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function nodes(connection: unknown): Json[] {
  const edges = obj(connection)?.edges;
  if (!Array.isArray(edges)) return [];
  return edges.flatMap((edge) => {
    const node = obj(obj(edge)?.node);
    return node ? [node] : [];
  });
}

function ids(records: Json[]): number[] {
  return records.flatMap((r) => {
    const id = Number(r.id);
    return Number.isSafeInteger(id) && id > 0 ? [id] : [];
  });
}

/** `[id, status]` of records that have both as strings. */
function statuses(records: Json[]): Array<[string, string]> {
  return records.flatMap((r) => (typeof r.id === 'string' && typeof r.status === 'string' ? [[r.id, r.status] as [string, string]] : []));
}

/**
 * Summarizes one parsed GraphQL response body (and the x-cache header, when the gateway sends
 * one); with `shown`, also the values a freshness run checks against the change history.
 */
export function summarizeResponse(body: unknown, xCache?: string | null, options: { shown?: boolean } = {}): ResponseSummary {
  const root = obj(body) ?? {};
  const errors = Array.isArray(root.errors) ? root.errors : [];
  const codes = errors.map((e) => String(obj(obj(e)?.extensions)?.code ?? 'UNKNOWN'));
  const firstError = errors.find((_e, i) => codes[i] !== 'FORBIDDEN');
  const customer = obj(obj(root.data)?.customer);
  const orders = nodes(customer?.orders);
  const lines = orders.flatMap((o) => (Array.isArray(o.lines) ? o.lines.flatMap((l) => (obj(l) ? [obj(l)!] : [])) : []));
  const products = lines.flatMap((l) => (obj(l.product) ? [obj(l.product)!] : []));
  const cases = nodes(customer?.cases);
  const billing = obj(customer?.billing);
  const extensions = obj(root.extensions);
  const hiveHit = obj(extensions?.responseCache)?.hit;
  const cacheHit = xCache ? /^hit/i.test(xCache) : typeof hiveHit === 'boolean' ? hiveHit : undefined;
  return {
    customer: !!customer,
    errorCodes: codes.filter((c) => c !== 'FORBIDDEN'),
    firstError: firstError ? `${String(obj(firstError)?.message ?? '').slice(0, 200)} @ ${JSON.stringify(obj(firstError)?.path ?? null)}` : undefined,
    forbidden: codes.filter((c) => c === 'FORBIDDEN').length,
    ordersNull: !!customer && 'orders' in customer && customer.orders === null,
    orderIds: ids(orders),
    orderNumbers: orders.flatMap((o) => (typeof o.number === 'string' ? [o.number] : [])),
    lineIds: ids(lines),
    productIds: [...new Set(ids(products))],
    invoiceIds: ids(nodes(customer?.invoices)),
    caseOrderNumbers: [...new Set(cases.flatMap((c) => {
      const number = obj(c.order)?.number;
      return typeof number === 'string' ? [number] : [];
    }))],
    balances: !!billing && (billing.outstanding != null || billing.overdue != null),
    cacheHit,
    stale: Array.isArray(extensions?.stale) && extensions.stale.length > 0,
    ...(options.shown && customer
      ? {
          shown: {
            ...('phone' in customer ? { phone: typeof customer.phone === 'string' ? customer.phone : null } : {}),
            ...(billing && typeof billing.onHold === 'boolean' ? { onHold: billing.onHold } : {}),
            orders: statuses(orders),
            cases: statuses(cases),
          },
        }
      : {}),
  };
}

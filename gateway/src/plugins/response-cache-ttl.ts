import { getNamedType, Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * Seconds a response may be cached, by volatility of what it holds. Keys are a type (`Invoice`:
 * every field of an Invoice, and any field returning one) or a field coordinate
 * (`Product.availability`), which wins over types.
 */
export type TtlRules = Readonly<Record<string, number>>;

/** Default TTLs (seconds): stock 5, order status/shipments/cases 30, billing 60, profile 300, catalog 600. */
export const DEFAULT_TTL_SECONDS: TtlRules = {
  'Product.availability': 5,
  StockAvailability: 5,
  WarehouseStock: 5,
  Order: 30,
  'Order.status': 30,
  OrderConnection: 30,
  Shipment: 30,
  Case: 30,
  CaseConnection: 30,
  'Customer.openCaseCount': 30,
  Invoice: 60,
  BillingProfile: 60,
  InvoiceConnection: 60,
  Customer: 300,
  CustomerConnection: 300,
  Contact: 300,
  Product: 600,
};

/** TTL (seconds) of data no rule names. */
export const DEFAULT_UNKNOWN_TTL_SECONDS = 30;

/**
 * Default stale-while-revalidate windows (seconds past the TTL), the same as the record cache
 * classes': stock 5, status 30, billing 60, profile 300, catalog 600. Keys as in the TTL rules.
 */
export const DEFAULT_STALE_WINDOW_SECONDS: TtlRules = { ...DEFAULT_TTL_SECONDS };

/** Stale window (seconds) of data no rule names. */
export const DEFAULT_UNKNOWN_STALE_WINDOW_SECONDS = 30;

/**
 * The TTL of an operation's response: the smallest TTL of the fields it selects. A field takes
 * the rule of its coordinate, else of the type it returns, else of the type it belongs to, else
 * that of the field holding it (Money inside an Invoice is billing data); a field with none of
 * these (a root field of an unknown type, a fragment on one) takes `unknownTtlSeconds`.
 * Every operation and fragment of the document counts, which can only shorten the TTL.
 */
export function operationTtlSeconds(schema: GraphQLSchema, document: DocumentNode, rules: TtlRules, unknownTtlSeconds: number): number {
  const typeInfo = new TypeInfo(schema);
  const enclosing: (number | undefined)[] = [];
  let min = Number.POSITIVE_INFINITY;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.FIELD]: {
        enter(node) {
          const outer = enclosing[enclosing.length - 1];
          // __typename says nothing about the data's age.
          if (node.name.value === '__typename') {
            enclosing.push(outer);
            return;
          }
          const parent = typeInfo.getParentType();
          const type = typeInfo.getType();
          const ttl =
            (parent ? rules[`${parent.name}.${node.name.value}`] : undefined) ??
            (type ? rules[getNamedType(type).name] : undefined) ??
            (parent ? rules[parent.name] : undefined) ??
            outer ??
            unknownTtlSeconds;
          if (ttl < min) min = ttl;
          enclosing.push(ttl);
        },
        leave() {
          enclosing.pop();
        },
      },
    }),
  );
  return min === Number.POSITIVE_INFINITY ? unknownTtlSeconds : min;
}

/** Checks TTL rules: every value a finite number of seconds >= 0; throws a TypeError naming the bad one. */
export function validateTtlRules(rules: Record<string, unknown>, option: string): TtlRules {
  for (const [key, value] of Object.entries(rules)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`${option}["${key}"] must be a number of seconds >= 0, got ${String(value)}`);
    }
  }
  return rules as TtlRules;
}

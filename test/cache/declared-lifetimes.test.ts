import { ApolloGateway } from '@apollo/gateway';
import { getNamedType, isCompositeType, isNonNullType, isObjectType, parse, type GraphQLField, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { supergraphForApolloGateway } from '../../gateway/src/auth/supergraph-for-gateway.js';
import { createResponseCache } from '../../gateway/src/plugins/response-cache.js';
import { readFileSync } from 'node:fs';
import { CACHE_DIRECTIVE_DEFINITIONS, CACHE_SPEC_URL, cacheLifetimesOf, lifetimeOf, undeclaredLifetimes, type CacheLifetimes } from '../../platform/cache-lifetimes/index.js';
import { composeSupergraph } from '../../schema/compose.js';
import { lifetimesFor, loadSettings } from '../../scripts/config.js';
import { resolveCacheOptions } from '../../subgraphs/shared/cache/cache-options.js';
import { createRecordCache } from '../../subgraphs/shared/cache/lru-record-cache.js';
import type { RecordKind } from '../../subgraphs/shared/cache/record-cache.js';
import { ODOO_KINDS } from '../../subgraphs/shared/connectors/odoo/record-kinds.js';
import { SALESFORCE_KINDS } from '../../subgraphs/shared/connectors/salesforce/record-kinds.js';
import { SERVICEDESK_KINDS } from '../../subgraphs/shared/connectors/servicedesk/record-kinds.js';

/**
 * Cache lifetimes are declared once, in the subgraph SDLs: the composed supergraph declares one for
 * everything the caches hold, and the record cache and the gateway's response cache, both reading
 * it, agree on each.
 */
const KINDS: Record<string, RecordKind> = {
  ...Object.fromEntries(Object.entries(ODOO_KINDS).map(([name, kind]) => [`odoo.${name}`, kind])),
  ...Object.fromEntries(Object.entries(SALESFORCE_KINDS).map(([name, kind]) => [`salesforce.${name}`, kind])),
  ...Object.fromEntries(Object.entries(SERVICEDESK_KINDS).map(([name, kind]) => [`servicedesk.${name}`, kind])),
};

let supergraph: string;
let schema: GraphQLSchema;
let declared: CacheLifetimes;

beforeAll(async () => {
  supergraph = composeSupergraph();
  declared = cacheLifetimesOf(supergraph);
  const noop = () => undefined;
  const gateway = new ApolloGateway({ supergraphSdl: supergraphForApolloGateway(supergraph), logger: { debug: noop, info: noop, warn: noop, error: noop } });
  schema = (await gateway.load()).schema;
  await gateway.stop();
});

/** The shortest path of fields from Query to the coordinate (a type: any field returning it). */
function pathTo(coordinate: string): Array<{ type: string; field: GraphQLField<unknown, unknown> }> {
  const [targetType, targetField] = coordinate.split('.') as [string, string | undefined];
  const queue: Array<{ type: string; path: Array<{ type: string; field: GraphQLField<unknown, unknown> }> }> = [{ type: 'Query', path: [] }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { type, path } = queue.shift()!;
    const object = schema.getType(type);
    if (!isObjectType(object) || seen.has(type)) continue;
    seen.add(type);
    if (targetField !== undefined && type === targetType) return [...path, { type, field: object.getFields()[targetField]! }];
    for (const field of Object.values(object.getFields())) {
      const named = getNamedType(field.type);
      const next = [...path, { type, field }];
      if (targetField === undefined && named.name === targetType) return next;
      if (isCompositeType(named)) queue.push({ type: named.name, path: next });
    }
  }
  throw new Error(`no query reaches ${coordinate}`);
}

/** A query selecting the path, with made-up values for required arguments. */
function queryOf(path: ReturnType<typeof pathTo>): string {
  let selection = '__typename';
  for (const { field } of [...path].reverse()) {
    const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${getNamedType(a.type).name === 'Int' ? 1 : '"1"'}`);
    const leaf = isCompositeType(getNamedType(field.type));
    selection = `${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${leaf ? ` { ${selection} }` : ''}`;
  }
  return `{ ${selection} }`;
}

/** What each cache says of a kind: the record cache from a load it reports fresh, the response cache from a query reaching the coordinate. */
async function bothCaches(lifetimes: CacheLifetimes, kind: RecordKind) {
  const records = createRecordCache({ tenant: 'lifetimes', lifetimes, now: () => 1_000 });
  let remainingMs = -1;
  await records.getMany(kind, [1], async () => new Map([[1, {}]]), { stale: () => {}, fresh: (_k, _key, ms) => (remainingMs = ms) });
  const settings = resolveCacheOptions({ tenant: 'lifetimes', lifetimes }).settingsOf(kind);
  const responses = createResponseCache({ lifetimes });
  const path = pathTo(kind.lifetime);
  const document = parse(queryOf(path));
  // The answer lives no longer than the shortest-lived field on the way there.
  const onTheWay = Math.min(...path.map(({ type, field }) => lifetimeOf(lifetimes, `${type}.${field.name}`)?.maxAge ?? Number.POSITIVE_INFINITY));
  return {
    record: { ttl: remainingMs / 1000, staleWhileRevalidate: settings.staleWhileRevalidateMs / 1000, staleIfError: settings.staleIfErrorMs / 1000 },
    response: lifetimeOf(responses.lifetimes, kind.lifetime),
    operation: { ttl: responses.ttlMs(schema, document) / 1000, onTheWay, query: queryOf(path) },
    staleMs: responses.staleMs(schema, document),
  };
}

describe('declared cache lifetimes', () => {
  it.each(['accounts', 'orders', 'stock', 'invoices', 'cases'])('are declared in %s with the shared definitions, composed from the cache spec', (name) => {
    const sdl = readFileSync(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url), 'utf8');
    expect(sdl).toContain(CACHE_DIRECTIVE_DEFINITIONS);
    expect(sdl).toContain(`@link(url: "${CACHE_SPEC_URL}", import: ["@cacheControl", "CacheControlScope", "@staleWindow"])`);
    expect(sdl).toContain('@composeDirective(name: "@cacheControl")');
    expect(supergraph).toContain(`@link(url: "${CACHE_SPEC_URL}", import: ["@cacheControl", "@staleWindow"])`);
  });

  it('cover every type and field a query can reach: none takes the default', () => {
    expect(undeclaredLifetimes(schema, declared)).toEqual([]);
  });

  it('cover every record kind: each names a coordinate of the supergraph that declares a lifetime', () => {
    const missing = Object.entries(KINDS).filter(([, kind]) => !((lifetimeOf(declared, kind.lifetime)?.maxAge ?? 0) > 0));
    expect(missing.map(([name, kind]) => `${name} -> ${kind.lifetime}`)).toEqual([]);
  });

  it('keep the lifetimes the caches had: stock 5 s, status and lists 30 s, billing 60 s, profile 300 s, catalog 600 s', () => {
    const of = (coordinate: string) => lifetimeOf(declared, coordinate);
    expect(of('Product.availability')).toEqual({ maxAge: 5, staleWhileRevalidate: 5, staleIfError: 60 });
    expect(of('Order')).toEqual({ maxAge: 30, staleWhileRevalidate: 30, staleIfError: 300 });
    expect(of('Customer.orders')).toEqual({ maxAge: 30, staleWhileRevalidate: 30, staleIfError: 300 });
    expect(of('Invoice')).toEqual({ maxAge: 60, staleWhileRevalidate: 60, staleIfError: 600 });
    expect(of('Customer')).toEqual({ maxAge: 300, staleWhileRevalidate: 300, staleIfError: 3600 });
    expect(of('Product')).toEqual({ maxAge: 600, staleWhileRevalidate: 600, staleIfError: 3600 });
  });

  it.each(Object.keys(KINDS))('are the same in the record cache and the response cache for %s', async (name) => {
    const kind = KINDS[name]!;
    const { record, response, operation, staleMs } = await bothCaches(declared, kind);
    expect(response).toBeDefined();
    expect(record).toEqual({ ttl: response!.maxAge, staleWhileRevalidate: response!.staleWhileRevalidate, staleIfError: response!.staleIfError });
    expect(operation.ttl, operation.query).toBe(Math.min(response!.maxAge, operation.onTheWay));
    if (operation.onTheWay >= response!.maxAge) expect(staleMs / 1000, operation.query).toBe(response!.staleWhileRevalidate);
  });

  it('stay the same in both caches under environment overrides', async () => {
    const settings = loadSettings({ CACHE_MAX_AGE_ORDER: '90', CACHE_STALE_IF_ERROR_ORDER: '900', CACHE_MAX_AGE_PRODUCT_AVAILABILITY: '2' });
    const lifetimes = lifetimesFor(supergraph, settings);
    const order = await bothCaches(lifetimes, ODOO_KINDS.order);
    expect(order.record).toEqual({ ttl: 90, staleWhileRevalidate: 90, staleIfError: 900 });
    expect(order.operation.ttl).toBe(90);
    const stock = await bothCaches(lifetimes, ODOO_KINDS.productStock);
    expect(stock.record.ttl).toBe(2);
    expect(stock.operation.ttl).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVED_PRODUCT_IDS } from '../../sandbox/odoo/index.js';
import { buildSkeleton } from '../../sandbox/world/skeleton.js';
import type { Principal } from '../../platform/authz/principal.js';
import type { Ownership } from '../shared/ownership/ownership.js';
import { graphql, READER, startOdooSandbox, type OdooTestSandbox } from '../shared/connectors/odoo/test-harness.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createStockSubgraph } from './index.js';

const world = buildSkeleton();
const many = world.byAccountId.get(world.examples.manyOrders)!;

let sandbox: OdooTestSandbox;
let subgraph: RunningSubgraph;
let sku1: string;

beforeAll(async () => {
  sandbox = await startOdooSandbox();
  const odoo = sandbox.connector('json2');
  sku1 = (await odoo.productsByIds([1])).get(1)!.default_code as string;
  subgraph = await (await createStockSubgraph({ odoo, authenticate: () => READER })).listen(0);
});
afterAll(async () => {
  await subgraph?.close();
  await sandbox?.close();
});

async function measured(query: string, variables: Record<string, unknown> = {}) {
  const before = sandbox.calls();
  const result = await graphql<Record<string, any>>(subgraph.url, query, variables); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { ...result, calls: sandbox.calls() - before };
}

describe('stock subgraph over the Odoo sandbox', () => {
  it('answers product(sku) with prices and availability per warehouse', async () => {
    const r = await measured(`query($sku: String!) { product(sku: $sku) { id sku name listPrice { amount currency } cost { amount currency }
      availability { onHand free reserved forecast byWarehouse { warehouse { id code name } onHand free reserved } } } }`, { sku: sku1 });
    expect(r.errors).toBeUndefined();
    const p = r.data!.product;
    expect(p).toMatchObject({ id: '1', sku: sku1, listPrice: { currency: 'EUR' }, cost: { currency: 'EUR' } });
    expect(p.listPrice.amount).toMatch(/^\d+\.\d{2}$/);
    expect(p.availability.byWarehouse.map((w: { warehouse: { code: string } }) => w.warehouse.code)).toEqual(['WH', 'EU2']);
    const sum = p.availability.byWarehouse.reduce((s: number, w: { onHand: number }) => s + w.onHand, 0);
    expect(sum).toBeCloseTo(p.availability.onHand, 3);
    expect(p.availability.onHand).toBeCloseTo(p.availability.free + p.availability.reserved, 3);
    expect(r.calls).toBe(3); // product by SKU (quantities included), quants, warehouses
  });

  it('reads totals without per-warehouse figures in one call', async () => {
    const r = await measured(`query($sku: String!) { product(sku: $sku) { name availability { onHand forecast } } }`, { sku: sku1 });
    expect(r.errors).toBeUndefined();
    expect(r.calls).toBe(1);
  });

  it('answers null for an unknown SKU and refuses a malformed one without a call', async () => {
    expect((await measured('{ product(sku: "NO-SUCH-SKU") { id } }')).data).toEqual({ product: null });
    const bad = await measured('query($s: String!) { product(sku: $s) { id } }', { s: '' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.calls).toBe(0);
  });

  it('resolves Product entities in one batch, archived ones included; NOT_FOUND naming an unknown id; BAD_USER_INPUT for malformed ids', async () => {
    const reps = [...Array.from({ length: 50 }, (_, i) => ({ __typename: 'Product', id: String(i + 1) })), { __typename: 'Product', id: '9999' }];
    const r = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name availability { onHand byWarehouse { onHand } } } } }', { r: reps });
    // Ids 29 (archived) and every other known id resolve; only the unknown one is an error, at its own path.
    expect(r.errors?.map((e) => ({ path: e.path, extensions: e.extensions }))).toEqual([
      { path: ['_entities', 50], extensions: { code: 'NOT_FOUND', system: 'odoo', productId: '9999' } },
    ]);
    expect(r.errors![0]!.message).toContain('9999');
    expect(r.data!._entities).toHaveLength(51);
    expect(r.data!._entities[50]).toBeNull();
    for (const id of ARCHIVED_PRODUCT_IDS.filter((i) => i <= 50)) expect(r.data!._entities[id - 1]).toMatchObject({ id: String(id), name: expect.any(String) });
    expect(r.calls).toBe(3);
    const bad = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } } }', { r: [{ __typename: 'Product', id: 'x' }] });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.calls).toBe(0);
  });

  it('answers Order.shipments for many orders with one call', async () => {
    const reps = many.orders.map((o) => ({ __typename: 'Order', id: String(o.odooId) }));
    const r = await measured('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id shipments { id number status scheduledAt shippedAt carrier trackingReference } } } }', { r: reps });
    expect(r.errors).toBeUndefined();
    const shipments = r.data!._entities.flatMap((o: { shipments: unknown[] }) => o.shipments);
    expect(shipments.length).toBeGreaterThan(0);
    for (const s of shipments) expect(['DRAFT', 'WAITING', 'CONFIRMED', 'READY', 'DONE', 'CANCELLED']).toContain(s.status);
    expect(r.calls).toBe(1);
  });

  it('answers product(sku) for an archived product too: orders still reference it', async () => {
    const archived = (await sandbox.connector('json2').productsByIds([ARCHIVED_PRODUCT_IDS[0]!])).get(ARCHIVED_PRODUCT_IDS[0]!)!;
    const r = await measured('query($s: String!) { product(sku: $s) { id sku name } }', { s: archived.default_code });
    expect(r.errors).toBeUndefined();
    expect(r.data!.product).toEqual({ id: String(archived.id), sku: archived.default_code, name: archived.name });
    expect(r.calls).toBe(1);
  });

  it('serves its SDL', async () => {
    const r = await graphql<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
    expect(r.data!._service.sdl).toMatch(/type Product\s+@key\(fields: "id"\)/);
  });
});

describe('stock subgraph: Order.shipments for a partner principal', () => {
  const reseller = world.examples.reseller;
  const partner: Principal = { sub: 'p', roles: ['partner'], scopes: new Set(['orders:read', 'stock:read']), partnerId: reseller };
  const own = world.byAccountId.get(world.examples.resellerCustomer)!;
  const other = world.byAccountId.get(world.examples.otherResellerCustomer)!;
  let partnerSubgraph: RunningSubgraph;
  const lookups: string[][] = [];

  beforeAll(async () => {
    const owners = new Map([[own.accountId, reseller], [other.accountId, 'SOME-OTHER-RESELLER']]);
    const ownership: Ownership = {
      async partnerIdsByAccountIds(ids) {
        lookups.push(ids);
        return new Map(ids.map((id) => [id, owners.get(id) ?? null]));
      },
    };
    partnerSubgraph = await (await createStockSubgraph({ odoo: sandbox.connector('json2'), authenticate: () => partner, ownership })).listen(0);
  });
  afterAll(async () => {
    await partnerSubgraph?.close();
  });

  it('answers another reseller\'s order like an unknown one (no shipments), in batched calls', async () => {
    const reps = [...own.orders, ...other.orders].map((o) => ({ __typename: 'Order', id: String(o.odooId) }));
    reps.push({ __typename: 'Order', id: '999999' });
    const before = sandbox.calls();
    const r = await graphql<{ _entities: { id: string; shipments: unknown[] }[] }>(
      partnerSubgraph.url,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id shipments { id } } } }',
      { r: reps },
    );
    expect(r.errors).toBeUndefined();
    const shipments = r.data!._entities.map((o) => o.shipments.length);
    expect(shipments.slice(own.orders.length)).toEqual(new Array(other.orders.length + 1).fill(0));
    expect(shipments.slice(0, own.orders.length).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // pickings, orders, partners: one call each whatever the number of orders; one ownership lookup.
    expect(sandbox.calls() - before).toBe(3);
    expect(lookups).toEqual([[own.accountId, other.accountId]]);
  });
});

import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { GraphQLResolveInfo } from 'graphql';
import { badInput, codedError, ErrorCode } from '../../platform/errors/graphql-errors.js';
import { parseRecordId } from '../shared/connectors/odoo/values.js';
import type { BaseSubgraphContext } from '../shared/server/context.js';
import { fieldReadable, selectsField } from '../shared/server/prefetch.js';
import type { StockLoaders } from './loaders.js';
import { mapAvailability, mapProduct, mapShipment, mapWarehouseStock, type AvailabilityModel, type ProductModel } from './mappers.js';

/** Per-request context of the stock subgraph. */
export interface StockContext extends BaseSubgraphContext {
  /** Every read goes through these: the data-access layer with the row filter below it. */
  loaders: StockLoaders;
}

function recordId(value: unknown, field: string, model: string): number {
  const id = parseRecordId(value);
  if (id === null) throw badInput(field, `must be a positive integer (an Odoo ${model} id)`);
  return id;
}

/** SKUs are free text in Odoo: any printable text up to 64 characters. */
function sku(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > 64 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw badInput('sku', 'must be 1-64 printable characters');
  }
  return value;
}

/** Who may read StockAvailability.byWarehouse: a prefetch never reads what the field would refuse. */
const byWarehouseReadable = fieldReadable(new URL('./schema.graphql', import.meta.url), 'StockAvailability', 'byWarehouse', 'WarehouseStock');

/** Resolvers of the stock subgraph. */
export const resolvers: GraphQLResolverMap<StockContext> = {
  Query: {
    async product(_root, args: { sku: string }, ctx: StockContext) {
      const product = await ctx.loaders.productBySku.load(sku(args.sku));
      if (!product) return null;
      ctx.loaders.product.prime(product.id, product);
      return mapProduct(product);
    },
  },
  Product: {
    async __resolveReference(ref: { id: string }, ctx: StockContext) {
      const id = recordId(ref.id, 'id', 'product.product');
      const product = await ctx.loaders.product.load(id);
      // Archived products are found (reads by id include them); a product missing now is worth an
      // error the client can read, not a silent null that a non-null OrderLine.product turns into
      // a vanished order list.
      if (!product) throw codedError(ErrorCode.NOT_FOUND, `odoo has no product.product ${id}`, { system: 'odoo', productId: String(id) });
      return mapProduct(product);
    },
    async availability(product: ProductModel, _args, ctx: StockContext, info: GraphQLResolveInfo) {
      // The per-warehouse figures are looked up by product id alone: ask for them alongside the product's.
      if (selectsField(info, 'byWarehouse') && byWarehouseReadable(ctx.principal)) {
        Promise.all([ctx.loaders.quants.load(product.productId), ctx.loaders.warehouses.load('all')]).catch(() => {
          // byWarehouse gets the same promises and reports their errors.
        });
      }
      const fresh = await ctx.loaders.productStock.load(product.productId);
      return fresh ? mapAvailability(fresh) : null;
    },
  },
  StockAvailability: {
    // Per-warehouse figures cost two more calls per batch: only made when asked for.
    async byWarehouse(availability: AvailabilityModel, _args, ctx: StockContext) {
      const [quants, warehouses] = await Promise.all([ctx.loaders.quants.load(availability.productId), ctx.loaders.warehouses.load('all')]);
      return mapWarehouseStock(quants ?? [], warehouses ?? []);
    },
  },
  Order: {
    __resolveReference(ref: { id: string }) {
      return { id: String(recordId(ref.id, 'id', 'sale.order')) };
    },
    async shipments(order: { id: string }, _args, ctx: StockContext) {
      const id = recordId(order.id, 'id', 'sale.order');
      const pickings = await ctx.loaders.pickingsByOrder.load(id);
      return (pickings ?? []).map(mapShipment);
    },
  },
};

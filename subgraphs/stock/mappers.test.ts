import { describe, expect, it } from 'vitest';
import type { OdooPicking, OdooProduct, OdooQuant } from '../shared/connectors/odoo/records.js';
import { mapAvailability, mapProduct, mapShipment, mapWarehouseStock, shipmentStatus } from './mappers.js';

const product: OdooProduct = {
  id: 3, default_code: 'BK-0003', name: 'Helmet', display_name: '[BK-0003] Helmet', barcode: false, list_price: 49.9, lst_price: 49.9,
  standard_price: 21.5, qty_available: 12, virtual_available: 9.0000001, free_qty: 10, incoming_qty: 0, outgoing_qty: 3, uom_id: [1, 'Units'],
  type: 'product', currency_id: [1, 'EUR'], active: true,
};

const quant = (id: number, wh: number | false, quantity: number, reserved: number): OdooQuant => ({
  id, product_id: [3, 'Helmet'], location_id: [8, 'WH/Stock'], warehouse_id: wh === false ? false : [wh, `W${wh}`], quantity,
  reserved_quantity: reserved, available_quantity: quantity - reserved,
});

describe('stock mappers', () => {
  it('maps a product with prices as money', () => {
    expect(mapProduct(product)).toEqual({
      id: '3', sku: 'BK-0003', name: 'Helmet', listPrice: { amount: '49.90', currency: 'EUR' }, cost: { amount: '21.50', currency: 'EUR' }, productId: 3,
    });
    expect(mapProduct({ ...product, default_code: false }).sku).toBeNull();
  });

  it('maps availability from computed quantities', () => {
    expect(mapAvailability(product)).toEqual({ onHand: 12, free: 10, reserved: 2, forecast: 9, productId: 3 });
  });

  it('sums quants per warehouse and lists every warehouse', () => {
    const warehouses = [
      { id: 1, name: 'Main', code: 'WH', lot_stock_id: [8, 'WH/Stock'] as [number, string] },
      { id: 2, name: 'South', code: 'WH2', lot_stock_id: false as const },
    ];
    expect(mapWarehouseStock([quant(1, 1, 5, 1), quant(2, 1, 3, 0), quant(3, false, 100, 0)], warehouses)).toEqual([
      { warehouse: { id: '1', code: 'WH', name: 'Main' }, onHand: 8, reserved: 1, free: 7 },
      { warehouse: { id: '2', code: 'WH2', name: 'South' }, onHand: 0, reserved: 0, free: 0 },
    ]);
  });

  it('maps pickings', () => {
    expect(['draft', 'waiting', 'confirmed', 'assigned', 'done', 'cancel'].map(shipmentStatus)).toEqual(['DRAFT', 'WAITING', 'CONFIRMED', 'READY', 'DONE', 'CANCELLED']);
    expect(() => shipmentStatus('x')).toThrow(TypeError);
    const picking: OdooPicking = {
      id: 5, name: 'WH/OUT/00005', origin: 'S00042', partner_id: [17, 'x'], picking_type_code: 'outgoing', scheduled_date: '2026-10-01 10:00:00',
      date_deadline: false, date_done: false, sale_id: [42, 'S00042'], state: 'assigned', carrier_id: [1, 'DHL'], carrier_tracking_ref: false,
    };
    expect(mapShipment(picking)).toEqual({
      id: '5', number: 'WH/OUT/00005', status: 'READY', scheduledAt: '2026-10-01T10:00:00Z', shippedAt: null, carrier: 'DHL', trackingReference: null,
    });
  });
});

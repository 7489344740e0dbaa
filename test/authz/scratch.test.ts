import { test } from 'vitest';
import { startTestSystem } from '../support/system.js';
import { findRecords } from './records.js';

test('scratch', async () => {
  const s = await startTestSystem({ recordCache: false, responseCache: false });
  const r = await findRecords(s);
  const w = await s.connectors.odoo.call('account.move', 'write', [[Number(r.own.invoiceId)], { invoice_origin: r.other.orderNumber }]).catch((e) => String(e));
  console.log('write', JSON.stringify(w));
  const q = `query($id: ID!) { invoice(id: $id) { id number customer { id } order { id number status amountTotal { amount } lines { description quantity } customer { id name } invoices { id number } shipments { id number } } } }`;
  const a = await s.query(q, { id: r.own.invoiceId }, { role: 'partner', partnerId: r.reseller });
  console.log(JSON.stringify(a.data), JSON.stringify(a.errors));
  await s.close();
}, 60000);

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../queries.js';
import { startTestSystem, type Backend, type TestSystem } from '../support/system.js';

/**
 * With each sandbox down in turn, the customer-360 query still answers the other systems' parts
 * quickly; the missing part is null with BACKEND_UNAVAILABLE naming the system. Caches are off so
 * that nothing stale can stand in for the failed backend.
 */
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ recordCache: false, ...({ responseCache: false } as object) });
});
afterAll(async () => {
  await system?.close();
});
afterEach(async () => {
  for (const backend of ['odoo', 'salesforce', 'zendesk'] as const) system.sandboxes[backend]!.setFaults({});
});

async function downAndQuery(backend: Backend) {
  system.sandboxes[backend]!.setFaults({ down: true });
  const started = Date.now();
  const answer = await system.query(CUSTOMER_360, { id: system.skeleton!.examples.manyOrders }, { role: 'admin' });
  return { answer, ms: Date.now() - started };
}

const systemsInErrors = (errors: any[] | undefined) => new Set((errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.system}`));

describe('one backend down', () => {
  it('Odoo: orders, billing and invoices are null with errors; profile and cases are answered', async () => {
    const { answer, ms } = await downAndQuery('odoo');
    expect(ms).toBeLessThan(2000);
    const customer = answer.data!.customer;
    expect(customer.name).toBeTruthy();
    expect(customer.contacts.length).toBeGreaterThan(0);
    expect(customer.cases.totalCount).toBeGreaterThan(0);
    expect(customer.orders).toBeNull();
    expect(customer.billing).toBeNull();
    expect(customer.invoices).toBeNull();
    expect([...systemsInErrors(answer.errors)]).toEqual(['BACKEND_UNAVAILABLE/odoo']);
    const paths = answer.errors!.map((e) => e.path?.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['customer.orders', 'customer.billing', 'customer.invoices']));
  });

  it('Zendesk: cases are null with errors; the rest is answered', async () => {
    const { answer, ms } = await downAndQuery('zendesk');
    expect(ms).toBeLessThan(2000);
    const customer = answer.data!.customer;
    expect(customer.name).toBeTruthy();
    expect(customer.orders.totalCount).toBe(30);
    expect(customer.billing).not.toBeNull();
    expect(customer.cases).toBeNull();
    expect(customer.openCaseCount).toBeNull();
    expect([...systemsInErrors(answer.errors)]).toEqual(['BACKEND_UNAVAILABLE/servicedesk']);
  });

  it('Salesforce: the profile is null with errors; orders, billing, invoices and cases are answered', async () => {
    const { answer, ms } = await downAndQuery('salesforce');
    expect(ms).toBeLessThan(2000);
    const customer = answer.data!.customer;
    expect(customer.id).toBe(system.skeleton!.examples.manyOrders);
    expect(customer.name).toBeNull();
    expect(customer.contacts).toBeNull();
    expect(customer.orders.totalCount).toBe(30);
    expect(customer.billing).not.toBeNull();
    expect(customer.cases.totalCount).toBeGreaterThan(0);
    expect([...systemsInErrors(answer.errors)]).toEqual(['BACKEND_UNAVAILABLE/salesforce']);
  });

  it('recovers when the backend is back', async () => {
    await downAndQuery('odoo');
    system.sandboxes.odoo!.setFaults({});
    const answer = await system.query(CUSTOMER_360, { id: system.skeleton!.examples.manyOrders }, { role: 'admin' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.customer.orders.totalCount).toBe(30);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEV_KEYS_DIR } from '../../gateway/src/auth/dev-keys.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/**
 * SIGTERM to `npm run gateway`: it stops accepting connections at once, lets the request in
 * flight finish within SHUTDOWN_GRACE_MS, closes what it holds and exits 0; past the grace period
 * the request is dropped and the process still exits promptly. The in-process system closes in
 * the same way: the gateway drains before the subgraphs it needs are stopped.
 */
let system: TestSystem;
let env: Record<string, string>;
let gateway: GatewayProcess | undefined;
let closed = false;
beforeAll(async () => {
  // Its own gateway is closed by the last test; the child gateways use its subgraphs.
  system = await startTestSystem({ settings: testSettings(), devKeysDir: DEV_KEYS_DIR });
  env = { PRINCIPAL_SECRET: system.principalSecret, AUDIT_LOG_PATH: join(mkdtempSync(join(tmpdir(), 'c360-shutdown-')), 'audit.jsonl'), TRUSTED_DOCUMENTS: 'off' };
  for (const [name, subgraph] of Object.entries(system.subgraphs)) env[`${name.toUpperCase()}_SUBGRAPH_URL`] = subgraph.url;
}, 60_000);
afterEach(async () => {
  system.sandboxes.salesforce!.setFaults({});
  await gateway?.stop('SIGKILL');
  gateway = undefined;
});
afterAll(async () => {
  if (!closed) await system?.close();
});

const NAME = `query($id: ID!) { customer(id: $id) { id name } }`;

async function ask(url: string, id: string): Promise<Response> {
  const token = await system.token('support_agent');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: NAME, variables: { id } }) });
}

/** Waits until the Salesforce sandbox is serving a call for the request. */
async function backendCallInFlight(): Promise<void> {
  await vi.waitFor(async () => expect((await system.stats('salesforce')).inFlight).toBeGreaterThan(0), { timeout: 5_000, interval: 20 });
}

describe('graceful shutdown on SIGTERM', () => {
  it('npm run gateway stops accepting, finishes the request in flight and exits 0', async () => {
    gateway = await startGatewayProcess({ ...env, SHUTDOWN_GRACE_MS: '8000' });
    const id = system.skeleton!.examples.manyOrders;
    system.sandboxes.salesforce!.setFaults({ latencyMs: 1500 });
    const inFlight = ask(gateway.url, id);
    await backendCallInFlight();
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    await vi.waitFor(() => expect(gateway!.lines.some((l) => l.msg === 'shutting down: no new requests, waiting for those in flight')).toBe(true), { timeout: 5_000, interval: 20 });
    await expect(ask(gateway.url, id)).rejects.toThrow();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as any).data.customer).toEqual({ id, name: expect.any(String) });
    expect(await gateway.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(6_000);
    expect(gateway.lines.at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('drops a request still running when SHUTDOWN_GRACE_MS has passed, and exits', async () => {
    gateway = await startGatewayProcess({ ...env, SHUTDOWN_GRACE_MS: '300' });
    system.sandboxes.salesforce!.setFaults({ latencyMs: 2500 });
    const inFlight = ask(gateway.url, system.skeleton!.examples.fewOrders).then(
      (res) => res.status,
      () => 'dropped',
    );
    await backendCallInFlight();
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    expect(await inFlight).toBe('dropped');
    expect(await gateway.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4_000);
  });

  it('the whole system drains the gateway before stopping the subgraphs it needs', async () => {
    // The record cache finishes the load the dropped request started; this request starts its own.
    await vi.waitFor(async () => expect((await system.stats('salesforce')).inFlight).toBe(0), { timeout: 5_000, interval: 50 });
    system.sandboxes.salesforce!.setFaults({ latencyMs: 1000 });
    const id = system.skeleton!.examples.noTickets;
    const inFlight = system.query(NAME, { id }, { role: 'support_agent' });
    await backendCallInFlight();
    const stats = system.stats.bind(system);
    closed = true;
    const closing = system.close({ graceMs: 8000 });
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.data!.customer).toEqual({ id, name: expect.any(String) });
    await closing;
    await expect(stats('salesforce')).rejects.toThrow();
  });
});

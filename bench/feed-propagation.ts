/**
 * `npx tsx bench/feed-propagation.ts [--changes 50]`: for each backend, out-of-band changes at
 * random moments while a client polls the changed field through our gateway (cache on, change
 * feeds on, long lifetimes); prints p50/p99/max from the change's commit to the first answer
 * showing it. The acceptance test (test/feeds/propagation.test.ts) runs a few of the same.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, type SystemSettings } from '../scripts/config.js';
import { startSystem } from '../scripts/system.js';
import { signDevToken } from '../gateway/src/auth/dev-keys.js';

const i = process.argv.indexOf('--changes');
const CHANGES = i >= 0 ? Number(process.argv[i + 1]) : 50;
const QUERY = `query($id: ID!) { customer(id: $id) { phone billing { onHold } cases(first: 20) { edges { node { id status } } } } }`;

async function main() {
  const base = loadSettings({});
  const ports = Object.fromEntries(Object.keys(base.ports).map((k) => [k, 0])) as SystemSettings['ports'];
  const devKeysDir = mkdtempSync(join(tmpdir(), 'c360-prop-keys-'));
  const system = await startSystem({ settings: { ...base, ports, trustedDocuments: 'off', auditLogPath: join(tmpdir(), `c360-prop-${process.pid}.jsonl`) }, world: { customers: 40 }, rateLimits: false, devKeysDir });
  try {
    const token = await signDevToken({ role: 'admin', sub: 'propagation' }, { dir: devKeysDir });
    const read = async (id: string) => {
      const res = await fetch(system.gatewayUrl!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: QUERY, variables: { id } }) });
      return ((await res.json()) as { data: { customer: any } }).data.customer;
    };
    const edit = async (url: string, change: unknown) => {
      const res = await fetch(`${url}/__sandbox/edit`, { method: 'POST', body: JSON.stringify(change) });
      return Date.parse(((await res.json()) as { at: string }).at);
    };
    const until = async (id: string, shows: (c: any) => boolean) => {
      for (;;) {
        if (shows(await read(id))) return Date.now();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    let customer = system.skeleton!.customers[0]!;
    let ticket: { id: string; status: string } | undefined;
    for (const c of system.skeleton!.customers.filter((c) => c.hasErpPartner && c.ticketCount > 0)) {
      customer = c;
      ticket = (await read(c.accountId)).cases.edges.map((e: any) => e.node).find((t: any) => t.status === 'OPEN' || t.status === 'PENDING');
      if (ticket) break;
    }
    if (!ticket) throw new Error('no open ticket');
    const id = customer.accountId;
    let status = ticket.status.toLowerCase();
    const probes: Record<string, (n: number) => Promise<number>> = {
      odoo: async (n) => {
        const at = await edit(system.sandboxes.odoo!.url, { model: 'res.partner', id: customer.odooPartnerId, values: n % 2 === 0 ? { sale_warn: 'block', sale_warn_msg: `Hold ${n}` } : { sale_warn: 'no-message' } });
        return (await until(id, (c) => c.billing.onHold === (n % 2 === 0))) - at;
      },
      salesforce: async (n) => {
        const at = await edit(system.sandboxes.salesforce!.url, { object: 'Account', id, values: { Phone: `+49 30 5551 ${1000 + n}` } });
        return (await until(id, (c) => c.phone === `+49 30 5551 ${1000 + n}`)) - at;
      },
      zendesk: async () => {
        status = status === 'open' ? 'pending' : 'open';
        const at = await edit(system.sandboxes.zendesk!.url, { object: 'ticket', id: Number(ticket!.id), values: { status } });
        return (await until(id, (c) => c.cases.edges.some((e: any) => e.node.id === ticket!.id && e.node.status === status.toUpperCase()))) - at;
      },
    };
    for (const [backend, probe] of Object.entries(probes)) {
      const lags: number[] = [];
      for (let n = 0; n < CHANGES; n++) {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 450));
        lags.push(await probe(n));
      }
      lags.sort((a, b) => a - b);
      const p = (q: number) => lags[Math.min(lags.length - 1, Math.ceil(q * lags.length) - 1)]!;
      console.log(`${backend.padEnd(10)} ${CHANGES} changes: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${lags.at(-1)} ms`);
    }
    console.log('feeds', JSON.stringify(system.feeds?.status()));
  } finally {
    await system.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

/** Runs the Zendesk sandbox alone: `npx tsx sandbox/zendesk/main.ts` (ZENDESK_SANDBOX_PORT, HOST, SANDBOX_CUSTOMERS, SANDBOX_SEED). */
import { createZendeskSandbox, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_OAUTH_TOKEN } from './index.js';

const port = Number(process.env.ZENDESK_SANDBOX_PORT ?? 4103);
const host = process.env.HOST ?? '127.0.0.1';
const customers = process.env.SANDBOX_CUSTOMERS ? Number(process.env.SANDBOX_CUSTOMERS) : undefined;
const seed = process.env.SANDBOX_SEED ? Number(process.env.SANDBOX_SEED) : undefined;
const sandbox = createZendeskSandbox({ customers, seed });
const running = await sandbox.listen(port, host);
console.log(`Zendesk sandbox on ${running.url}/api/v2 (${sandbox.world.tickets.size} tickets, ${sandbox.world.organizations.size} organizations)`);
console.log(`  auth: basic "${ZENDESK_SANDBOX_EMAIL}/token:<api token>" or Bearer ${ZENDESK_SANDBOX_OAUTH_TOKEN.slice(0, 3)}…; admin API under /__sandbox/`);
const stop = () => void running.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

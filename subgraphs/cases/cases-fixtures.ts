/**
 * Shared setup of the cases subgraph tests over the Zendesk sandbox (with the Odoo sandbox, where a
 * new case's order is checked): each test file starts its own sandboxes and subgraph.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { RunningSandbox } from '../../sandbox/common/server.js';
import { createZendeskSandbox, ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_TOKEN } from '../../sandbox/zendesk/index.js';
import type { Principal } from '../../platform/authz/principal.js';
import { createRecordCache } from '../shared/cache/index.js';
import { createZendeskConnector } from '../shared/connectors/servicedesk/zendesk-connector.js';
import type { RunningSubgraph } from '../shared/server/create-subgraph-server.js';
import { createOdooSandbox, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD } from '../../sandbox/odoo/index.js';
import { createOdooConnector } from '../shared/connectors/odoo/connector.js';
import { createCasesSubgraph, createOdooOrderDirectory } from './index.js';

/** A GraphQL answer of any shape. */
export interface GqlAnswer {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** A support agent allowed to read cases, their internal notes, and to write. */
export const AGENT: Principal = { sub: 'agent-1', roles: ['support_agent'], scopes: new Set(['cases:read', 'cases:internal', 'cases:write']) };

/** Starts the Zendesk and Odoo sandboxes and the cases subgraph for the enclosing describe (registers its hooks). */
export function startCasesFixture() {
  const sandbox = createZendeskSandbox();
  let zendesk: RunningSandbox;
  // The ERP, where a new case's order is checked.
  let odoo: RunningSandbox;
  let subgraph: RunningSubgraph;
  const world = () => sandbox.world;
  const examples = () => world().skeleton.examples;

  // Tests choose the caller with headers; the real deployment verifies the gateway's signed principal instead.
  const authenticate = (headers: Record<string, string | string[] | undefined>): Principal | null => {
    const partner = headers['x-test-partner'];
    if (typeof partner === 'string') return { sub: `partner-${partner}`, roles: ['partner'], scopes: new Set(['cases:read', 'cases:write']), partnerId: partner };
    return AGENT;
  };
  const ownership = {
    async partnerIdsByAccountIds(ids: string[]) {
      const skeleton = world().skeleton;
      return new Map(ids.map((id) => {
        const c = skeleton.byAccountId.get(id);
        return [id, c && c.resellerIndex !== null ? skeleton.resellers[c.resellerIndex]!.accountId : null] as const;
      }));
    },
  };

  beforeAll(async () => {
    [zendesk, odoo] = await Promise.all([sandbox.listen(0), createOdooSandbox().listen(0)]);
    const serviceDesk = createZendeskConnector({ baseUrl: zendesk.url, email: ZENDESK_SANDBOX_EMAIL, apiToken: ZENDESK_SANDBOX_TOKEN, timeoutMs: 2000, readRetries: 1 });
    const orders = createOdooOrderDirectory(createOdooConnector({ url: odoo.url, db: ODOO_DB, login: ODOO_LOGIN, apiKey: ODOO_PASSWORD, protocol: 'jsonrpc' }), createRecordCache({ tenant: 'retail' }));
    subgraph = await (await createCasesSubgraph({ serviceDesk, authenticate, ownership, orders })).listen(0);
  });
  afterAll(async () => {
    await subgraph.close();
    await Promise.all([zendesk.close(), odoo.close()]);
  });
  beforeEach(() => {
    zendesk.setFaults({});
    zendesk.reset();
  });

  return {
    sandbox,
    /** The running Zendesk sandbox (set once `beforeAll` ran). */
    get zendesk() {
      return zendesk;
    },
    world,
    examples,
    gql: async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GqlAnswer> => {
      const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as GqlAnswer;
    },
    ops: () => zendesk.stats().byOperation,
    orgOf: (accountId: string) => world().organizationsByExternalId.get(accountId)!,
    newestFirst: (orgId: number) =>
      [...(world().ticketIdsByOrganization.get(orgId) ?? [])].map((id) => world().tickets.get(id)!).sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map((t) => String(t.id)),
    ticketWithOrder: () => [...world().tickets.values()].find((t) => t.custom_fields.some((f) => f.id === ZENDESK_ORDER_NUMBER_FIELD_ID && f.value))!,
  };
}

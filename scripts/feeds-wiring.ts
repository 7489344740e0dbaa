import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET } from '../sandbox/salesforce/index.js';
import type { RunningSandbox } from '../sandbox/common/server.js';
import type { RecordCache } from '../subgraphs/shared/cache/record-cache.js';
import type { ServiceDeskConnector } from '../subgraphs/shared/connectors/servicedesk/index.js';
import { SERVICEDESK_KINDS } from '../subgraphs/shared/connectors/servicedesk/record-kinds.js';
import { entityPlan, fileReplayStore, Invalidator, ODOO_WEBHOOK_FIELDS, redisReplayStore, startChangeService, type FeedHealth, type ReplayStore, type RunningChangeService } from '../subgraphs/shared/feeds/index.js';
import type { SystemSettings } from './config.js';
import { createGatewayInvalidationPublisher } from '../gateway/src/plugins/invalidation-publisher.js';

/** The change feeds as the system runs them. */
export interface RunningFeeds extends RunningChangeService {
  invalidator: Invalidator;
  /** Evicts entities named by type and id (the gateway's `POST /invalidate`). */
  invalidateEntities(entities: Array<{ type: string; id: string }>): Promise<void>;
}

/** Keeps the replay id in memory: a sandbox's replay ids start over with the sandbox, so a saved one would not mean anything. */
function memoryReplayStore(): ReplayStore {
  let id: number | undefined;
  return { load: async () => id, save: (next) => void (id = next), flush: async () => {}, close: async () => {} };
}

async function put(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`PUT ${url} answered ${res.status}: ${await res.text()}`);
}

/**
 * Starts the change service over the record caches and points the sandboxes' webhooks at it (a
 * real Odoo or Zendesk is configured by its administrator with the URLs printed at start).
 */
export async function startFeeds(args: {
  settings: SystemSettings;
  health: FeedHealth;
  /** The sandboxes of backends without settings (their webhooks are pointed at the service). */
  sandboxes: { odoo?: Pick<RunningSandbox, 'url'>; salesforce?: Pick<RunningSandbox, 'url'>; zendesk?: Pick<RunningSandbox, 'url'> };
  caches: { odoo: RecordCache; salesforce: RecordCache; servicedesk: RecordCache };
  serviceDesk: ServiceDeskConnector;
  /**
   * Redis over which the feeds tell gateways in other processes what to evict (the channels the
   * gateway replicas share); a gateway in this process is added with `invalidator.addTagSink`.
   */
  remoteGatewaysRedisUrl?: string;
  log(line: string): void;
}): Promise<RunningFeeds> {
  const { settings, health, sandboxes, caches } = args;
  const feeds = settings.feeds;
  const invalidator = new Invalidator({ caches: { odoo: caches.odoo, salesforce: caches.salesforce, servicedesk: caches.servicedesk }, tagSinks: [] }, health);
  const odooToken = feeds.odooToken ?? randomBytes(24).toString('hex');
  const zendeskSecret = feeds.zendeskSigningSecret ?? randomBytes(24).toString('base64');
  const customerOf = async (orgId: number) => {
    const [org] = await caches.servicedesk.getMany(SERVICEDESK_KINDS.organization, [orgId], (ids) => args.serviceDesk.organizationsByIds(ids as number[]));
    return (org as { external_id?: string | null } | null)?.external_id ?? undefined;
  };
  const sf = settings.salesforce
    ? { ...settings.salesforce, replayStore: settings.redisUrl ? redisReplayStore(settings.redisUrl) : fileReplayStore(resolve(feeds.replayFile)) }
    : sandboxes.salesforce
      ? { loginUrl: sandboxes.salesforce.url, clientId: SALESFORCE_CLIENT_ID, clientSecret: SALESFORCE_CLIENT_SECRET, apiVersion: '62.0', replayStore: memoryReplayStore() }
      : undefined;
  const service = await startChangeService({
    port: settings.ports.changes,
    host: settings.host,
    invalidator,
    odoo: feeds.odoo ? { token: odooToken } : undefined,
    zendesk: feeds.zendesk ? { signingSecret: zendeskSecret, customerOf } : undefined,
    salesforce: feeds.salesforce ? sf : undefined,
  });
  const base = feeds.publicUrl ?? service.url;
  try {
    if (feeds.odoo && sandboxes.odoo) {
      await put(`${sandboxes.odoo.url}/__sandbox/webhooks`, { webhooks: Object.entries(ODOO_WEBHOOK_FIELDS).map(([model, fields]) => ({ model, url: `${base}/odoo?token=${odooToken}`, fields })) });
    }
    if (feeds.zendesk && sandboxes.zendesk) await put(`${sandboxes.zendesk.url}/__sandbox/webhooks`, { webhooks: [{ name: 'c360 cache', endpoint: `${base}/zendesk`, signingSecret: zendeskSecret }] });
  } catch (err) {
    await service.close();
    throw err;
  }
  for (const name of ['odoo', 'salesforce', 'zendesk'] as const) if (!feeds[name]) health.off(name);
  const gateways = args.remoteGatewaysRedisUrl ? createGatewayInvalidationPublisher(args.remoteGatewaysRedisUrl) : undefined;
  if (gateways) {
    invalidator.addTagSink((tags) => gateways.publish(tags));
    // An event's eviction published before the connection is up would reach no gateway.
    if (!(await gateways.ready())) args.log('change feeds: Redis not reachable at start; the gateways hear evictions once it is');
  }
  args.log(`change feeds        ${service.url} (${(['odoo', 'salesforce', 'zendesk'] as const).filter((n) => feeds[n]).join(', ') || 'none'})`);
  return {
    ...service,
    async close() {
      await service.close();
      // What the last events evicted still reaches the other processes.
      await gateways?.settled();
      gateways?.close();
    },
    invalidator,
    async invalidateEntities(entities) {
      for (const { type, id } of entities) {
        const plan = entityPlan(type, id);
        if (plan) await invalidator.apply('api', { ...plan, tags: [] });
      }
    },
  };
}

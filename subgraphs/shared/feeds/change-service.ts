import { createServer } from 'node:http';
import { sendJson } from '../../../platform/http/apollo-http.js';
import { listen } from '../../../platform/http/listen.js';
import { componentLog } from '../../../platform/logging/index.js';
import type { Invalidator } from './invalidator.js';
import { startSalesforceSubscriber, type SalesforceSubscriber, type SalesforceSubscriberOptions } from './salesforce-subscriber.js';
import { odooReceiver, zendeskReceiver, type ReceiverLimits, type ReceiverReply, type ZendeskReceiverOptions } from './webhook-receivers.js';
import type { FeedStatus, FeedName } from './feed-health.js';

const log = componentLog('change-service');

/** What the change service listens to; a feed left out is off (its types keep their TTLs). */
export interface ChangeServiceOptions {
  port: number;
  host: string;
  invalidator: Invalidator;
  /** Odoo automation-rule webhooks to `POST /odoo?token=<token>`. */
  odoo?: { token: string };
  /** Zendesk webhooks to `POST /zendesk`, signed with the webhook's signing secret. */
  zendesk?: Pick<ZendeskReceiverOptions, 'signingSecret' | 'customerOf' | 'maxSkewMs'>;
  /** Change Data Capture subscription. */
  salesforce?: Omit<SalesforceSubscriberOptions, 'invalidator'>;
  limits?: ReceiverLimits;
}

/** A running change service. */
export interface RunningChangeService {
  /** `http://host:port`: the rules' webhook URLs are under it. */
  url: string;
  port: number;
  status(): Record<FeedName, FeedStatus>;
  /** The Salesforce subscriber, when on: stop and start again (resuming from the saved replay id). */
  salesforce?: { stop(): Promise<void>; start(): Promise<void>; readonly lastReplayId: number | undefined };
  close(): Promise<void>;
}

/**
 * One small service that receives every backend's change feed and evicts what each change
 * touches from the record caches and the gateway's caches (on every replica, through their Redis
 * pub/sub): `POST /odoo`, `POST /zendesk`, the Salesforce CDC subscription, and `GET /status`.
 */
export async function startChangeService(options: ChangeServiceOptions): Promise<RunningChangeService> {
  const { invalidator } = options;
  const health = invalidator.health;
  const odoo = options.odoo ? odooReceiver({ token: options.odoo.token, invalidator, ...options.limits }) : undefined;
  const zendesk = options.zendesk ? zendeskReceiver({ ...options.zendesk, invalidator, ...options.limits }) : undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://change-service');
    const reply = (r: ReceiverReply) => {
      if (r.headers) for (const [name, value] of Object.entries(r.headers)) res.setHeader(name, value);
      sendJson(res, r.status, r.body);
    };
    void (async () => {
      if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (req.method === 'GET' && url.pathname === '/status') return sendJson(res, 200, { feeds: health.all() });
      const receiver = url.pathname === '/odoo' ? odoo : url.pathname === '/zendesk' ? zendesk : undefined;
      if (!receiver) {
        req.resume();
        return sendJson(res, 404, { error: 'not found' });
      }
      if (req.method !== 'POST') {
        req.resume();
        return sendJson(res, 405, { error: 'POST only' });
      }
      reply(await receiver(req, url));
    })().catch((err: unknown) => {
      log.error({ err }, 'change notification failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });
  const listening = await listen(server, options.port, options.host);
  if (odoo) health.up('odoo');
  if (zendesk) health.up('zendesk');

  let subscriber: SalesforceSubscriber | undefined;
  const sf = options.salesforce;
  const startSalesforce = async () => {
    if (sf && !subscriber) subscriber = await startSalesforceSubscriber({ ...sf, invalidator });
  };
  await startSalesforce();

  return {
    url: listening.origin,
    port: listening.port,
    status: () => health.all(),
    salesforce: sf
      ? {
          async stop() {
            await subscriber?.stop();
            subscriber = undefined;
          },
          start: startSalesforce,
          get lastReplayId() {
            return subscriber?.lastReplayId;
          },
        }
      : undefined,
    async close() {
      await subscriber?.stop();
      await sf?.replayStore.close();
      if (odoo) health.down('odoo', 'the change service is stopped');
      if (zendesk) health.down('zendesk', 'the change service is stopped');
      await listening.close();
    },
  };
}

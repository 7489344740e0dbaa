import type { AdminReply, AdminRequest } from '../common/admin.js';
import type { ChangeLog } from '../common/changes.js';
import type { SandboxBackend } from '../common/server.js';
import { applyZendeskEdit } from './edit.js';
import type { WebhookAuthentication } from './webhook-store.js';
import { EMITTED_EVENT_TYPES, WebhookStore } from './webhook-store.js';
import { zendeskStreamKinds } from './stream-kinds.js';
import type { createTicketWrites } from './ticket-writes.js';
import { ZendeskWebhookFeed, type ZendeskWebhookDeliveryOptions } from './webhook-feed.js';
import type { ZendeskWorld } from './world.js';

/**
 * The change side of the Zendesk sandbox: edits, the scripted stream, and signed webhooks for
 * ticket events (configured through the Webhooks API, the `webhooks` option or
 * `/__sandbox/webhooks`).
 */

/** A webhook given to the sandbox at construction or through `PUT /__sandbox/webhooks`. */
export interface ZendeskWebhookSpec {
  endpoint: string;
  /** Event types (default: every ticket event the sandbox emits). */
  subscriptions?: string[];
  /** The signing secret (default: a random one, readable at `GET /api/v2/webhooks/{id}/signing_secret`). */
  signingSecret?: string;
  name?: string;
  authentication?: WebhookAuthentication;
}

/** Settings of the Zendesk change feeds. */
export interface ZendeskFeedOptions {
  /** Webhooks of the account; configuration, so a reset keeps them. */
  webhooks?: ZendeskWebhookSpec[];
  /** How webhooks are sent (default as Zendesk: 12 s timeout, its retry rules). */
  webhookDelivery?: ZendeskWebhookDeliveryOptions;
  /** Retention of the change history (default 50,000 changes or one hour). */
  changeRetention?: { maxEntries?: number; maxAgeMs?: number };
}

type TicketWrites = ReturnType<typeof createTicketWrites>;

/** The feeds of one Zendesk sandbox. */
export interface ZendeskFeeds {
  store: WebhookStore;
  webhooks: ZendeskWebhookFeed;
  backend: Required<Pick<SandboxBackend, 'edit' | 'streamKinds' | 'feeds' | 'admin' | 'close'>>;
}

const toApiShape = (spec: unknown, i: number): unknown => {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return spec;
  const s = spec as ZendeskWebhookSpec & { webhook?: unknown };
  if (s.webhook !== undefined) return s;
  return {
    name: s.name ?? `Sandbox webhook ${i + 1}`,
    endpoint: s.endpoint,
    status: 'active',
    http_method: 'POST',
    request_format: 'json',
    subscriptions: s.subscriptions ?? [...EMITTED_EVENT_TYPES],
    ...(s.signingSecret ? { signing_secret: { algorithm: 'SHA256', secret: s.signingSecret } } : {}),
    ...(s.authentication ? { authentication: s.authentication } : {}),
  };
};

/** Creates the feeds over whatever world `world()` currently is. */
export function createZendeskFeeds(world: () => ZendeskWorld, log: ChangeLog, writes: TicketWrites, options: ZendeskFeedOptions = {}): ZendeskFeeds {
  const store = new WebhookStore(String(world().apiUser.id));
  const failure = store.replaceAll((options.webhooks ?? []).map(toApiShape));
  if (failure) throw new TypeError(failure);
  const webhooks = new ZendeskWebhookFeed(world, store, log, options.webhookDelivery);

  const admin = (req: AdminRequest): AdminReply | undefined => {
    if (req.path !== '/__sandbox/webhooks') return undefined;
    if (req.method === 'GET') return { status: 200, body: { webhooks: store.all() } };
    if (req.method !== 'PUT') return { status: 405, body: { error: 'GET or PUT /__sandbox/webhooks' } };
    let input: unknown;
    try {
      input = JSON.parse(req.body.toString('utf8') || '{}');
    } catch {
      return { status: 400, body: { error: 'the body is not valid JSON' } };
    }
    const list = Array.isArray(input) ? input : (input as { webhooks?: unknown } | null)?.webhooks;
    if (!Array.isArray(list)) return { status: 400, body: { error: 'webhooks must be a list of {endpoint, subscriptions?, signingSecret?, name?, authentication?}' } };
    const error = store.replaceAll(list.map(toApiShape));
    if (error) return { status: 400, body: { error } };
    return { status: 200, body: { webhooks: store.all() } };
  };

  return {
    store,
    webhooks,
    backend: {
      edit: (body) => applyZendeskEdit(world(), writes, log, body),
      streamKinds: zendeskStreamKinds(world, writes, log),
      feeds: () => ({ webhooks: { configured: store.all().length, ...webhooks.stats() } }),
      admin,
      close: () => webhooks.close(),
    },
  };
}

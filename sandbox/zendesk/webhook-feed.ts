import { createHmac } from 'node:crypto';
import type { ChangeLog, ChangeTransaction } from '../common/changes.js';
import { DeliveryQueue, type DeliveryOutcome, type DeliveryStats } from '../common/delivery.js';
import { ticketEvents, ZENDESK_ACCOUNT_ID } from './ticket-events.js';
import type { WebhookStore, ZendeskWebhook } from './webhook-store.js';
import type { ZendeskWorld } from './world.js';

/**
 * Sends each ticket event to the active webhooks subscribed to its type, as Zendesk does: a POST
 * with `Content-Type: application/json; charset=utf-8`, `User-Agent: Zendesk Webhook`, the
 * `x-zendesk-account-id`, `x-zendesk-webhook-id`, `x-zendesk-webhook-invocation-id` headers and
 * the signature `x-zendesk-webhook-signature` = base64(HMAC-SHA256(secret, timestamp + body))
 * with `x-zendesk-webhook-signature-timestamp` (each attempt signs its own timestamp), plus the
 * webhook's authentication and custom headers. Zendesk's retries: a 409 is retried up to three
 * times, a 429 or 503 only when its Retry-After is under 60 seconds, a timeout up to five times;
 * other failures are not retried.
 */

/** How webhooks are sent. */
export interface ZendeskWebhookDeliveryOptions {
  /** Per attempt (default 12,000 ms, Zendesk's timeout). */
  timeoutMs?: number;
  /** Wait before retrying a 409 or a timeout (Zendesk does not document it; default 1000 ms). */
  retryDelayMs?: number;
  /** Most notifications waiting at once (default 10,000); past it they are dropped and counted. */
  maxPending?: number;
}

/** Counts of the webhook feed. */
export interface ZendeskWebhookStats {
  /** Events built from changes. */
  events: number;
  /** Requests queued (one per event and subscribed webhook). */
  invocations: number;
  deliveries: DeliveryStats;
}

/** The signature of a webhook request, as a receiver verifies it. */
export const zendeskSignature = (secret: string, timestamp: string, body: string) => createHmac('sha256', secret).update(timestamp + body).digest('base64');

function authHeader(hook: ZendeskWebhook): Record<string, string> {
  const a = hook.authentication;
  if (!a) return {};
  if (a.type === 'bearer_token') return { Authorization: `Bearer ${a.data.token ?? ''}` };
  if (a.type === 'basic_auth') return { Authorization: `Basic ${Buffer.from(`${a.data.username ?? ''}:${a.data.password ?? ''}`).toString('base64')}` };
  return a.data.name ? { [a.data.name]: a.data.value ?? '' } : {};
}

/** Announces ticket changes to the subscribed webhooks. */
export class ZendeskWebhookFeed {
  private readonly queue: DeliveryQueue;
  private events = 0;
  private invocations = 0;
  private invocationSeq = 8_350_205_582;
  private readonly off: () => void;

  constructor(
    private readonly world: () => ZendeskWorld,
    private readonly store: WebhookStore,
    log: ChangeLog,
    options: ZendeskWebhookDeliveryOptions = {},
  ) {
    const retryDelay = options.retryDelayMs ?? 1000;
    const policy = (attempt: number, outcome: DeliveryOutcome): number | undefined => {
      if (outcome.kind === 'timeout') return attempt <= 5 ? retryDelay : undefined;
      if (outcome.kind !== 'response') return undefined;
      if (outcome.status === 409) return attempt <= 3 ? retryDelay : undefined;
      if ((outcome.status === 429 || outcome.status === 503) && outcome.retryAfterSeconds !== undefined && outcome.retryAfterSeconds < 60) {
        return attempt <= 3 ? outcome.retryAfterSeconds * 1000 : undefined;
      }
      return undefined;
    };
    this.queue = new DeliveryQueue({ maxPending: options.maxPending, policy: { timeoutMs: options.timeoutMs ?? 12_000, retryDelay: policy } });
    this.off = log.onCommit((txn) => this.announce(txn));
  }

  /** Counters for `GET /__sandbox/feeds`. */
  stats(): ZendeskWebhookStats {
    return { events: this.events, invocations: this.invocations, deliveries: this.queue.stats() };
  }

  /** Zeroes the counters (on reset). */
  resetCounts(): void {
    this.events = 0;
    this.invocations = 0;
    this.queue.resetCounts();
  }

  /** Resolves once every queued request is sent or given up. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops sending. */
  close(): void {
    this.off();
    this.queue.close();
  }

  private announce(txn: ChangeTransaction): void {
    const world = this.world();
    const actorId = typeof txn.meta.actorId === 'number' ? txn.meta.actorId : undefined;
    for (const change of txn.changes) {
      for (const event of ticketEvents(world, change, txn.atMs, actorId)) {
        this.events += 1;
        const body = JSON.stringify(event.payload);
        for (const { hook, secret } of this.store.subscribers(event.type)) {
          this.invocations += 1;
          const invocation = String(++this.invocationSeq);
          this.queue.enqueue({
            url: hook.endpoint,
            key: `${hook.id}|ticket:${event.ticketId}`,
            body,
            headers: () => {
              const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
              return {
                ...hook.custom_headers,
                ...authHeader(hook),
                'Content-Type': 'application/json; charset=utf-8',
                'User-Agent': 'Zendesk Webhook',
                'x-zendesk-account-id': String(ZENDESK_ACCOUNT_ID),
                'x-zendesk-webhook-id': hook.id,
                'x-zendesk-webhook-invocation-id': invocation,
                'x-zendesk-webhook-signature': zendeskSignature(secret, timestamp, body),
                'x-zendesk-webhook-signature-timestamp': timestamp,
              };
            },
          });
        }
      }
    }
  }
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { readBody } from '../../../platform/http/apollo-http.js';
import { odooPlan, zendeskPlan } from './change-plan.js';
import type { FeedName } from './feed-health.js';
import { feedEventsTotal, type Invalidator } from './invalidator.js';

/** An answer of a receiver. */
export interface ReceiverReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Limits of every webhook receiver. */
export interface ReceiverLimits {
  /** Largest body accepted (default 64 KiB); past it 413 and nothing evicted. */
  maxBodyBytes?: number;
  /** Most notifications accepted per second per feed (default 200); past it 429 with Retry-After. */
  perSecond?: number;
}

/** Compares two secrets in constant time (of their digests, so that lengths leak nothing either). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

const refused = (feed: FeedName, status: number, error: string, headers?: Record<string, string>): ReceiverReply => {
  feedEventsTotal.inc({ feed, result: 'refused' });
  return { status, body: { error }, headers };
};

/** Reads a bounded body after the rate check; undefined with the refusal when it cannot. */
async function admit(feed: FeedName, req: IncomingMessage, limiter: RateLimiterMemory, maxBodyBytes: number): Promise<{ body: string } | { reply: ReceiverReply }> {
  try {
    await limiter.consume(feed);
  } catch {
    req.resume();
    return { reply: refused(feed, 429, 'too many notifications', { 'retry-after': '1' }) };
  }
  try {
    return { body: await readBody(req, maxBodyBytes) };
  } catch (err) {
    return { reply: refused(feed, (err as { status?: number }).status === 413 ? 413 : 400, 'unreadable body') };
  }
}

/**
 * Receives Odoo's automation-rule webhooks ("Send Webhook Notification"): a JSON POST of `_model`,
 * `_id` and the rule's fields. Odoo signs nothing, so the rule's URL carries a secret token
 * (`?token=`), compared in constant time: a wrong or missing one is 401 and evicts nothing.
 */
export function odooReceiver(options: { token: string; invalidator: Invalidator } & ReceiverLimits) {
  if (!options.token) throw new TypeError('the Odoo webhook receiver needs a token');
  const limiter = new RateLimiterMemory({ points: options.perSecond ?? 200, duration: 1 });
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  return async (req: IncomingMessage, url: URL): Promise<ReceiverReply> => {
    const token = url.searchParams.get('token') ?? '';
    if (!sameSecret(token, options.token)) {
      req.resume();
      return refused('odoo', 401, 'unauthorized');
    }
    const admitted = await admit('odoo', req, limiter, maxBodyBytes);
    if ('reply' in admitted) return admitted.reply;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(admitted.body) as Record<string, unknown>;
    } catch {
      return refused('odoo', 400, 'the body is not JSON');
    }
    const model = message?._model;
    const id = message?._id;
    if (typeof model !== 'string' || typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return refused('odoo', 400, 'expected _model and _id');
    await options.invalidator.apply('odoo', odooPlan(model, id, message));
    return { status: 200, body: { ok: true } };
  };
}

/** Options of the Zendesk receiver. */
export interface ZendeskReceiverOptions extends ReceiverLimits {
  /** The webhook's signing secret. */
  signingSecret: string;
  invalidator: Invalidator;
  /** The Customer id (organization external_id) of an organization, for the tags of its customer. */
  customerOf(orgId: number): Promise<string | undefined>;
  /** Oldest signature timestamp accepted, in ms either side of now (default 5 min): a replay is refused. */
  maxSkewMs?: number;
}

/**
 * Receives Zendesk webhooks for ticket events, checking `X-Zendesk-Webhook-Signature` =
 * base64(HMAC-SHA256(secret, timestamp + body)) with `X-Zendesk-Webhook-Signature-Timestamp`, and
 * that timestamp against the clock: a bad signature or a stale timestamp is 401, nothing evicted.
 */
export function zendeskReceiver(options: ZendeskReceiverOptions) {
  if (!options.signingSecret) throw new TypeError('the Zendesk webhook receiver needs a signing secret');
  const limiter = new RateLimiterMemory({ points: options.perSecond ?? 200, duration: 1 });
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const maxSkewMs = options.maxSkewMs ?? 5 * 60_000;
  return async (req: IncomingMessage): Promise<ReceiverReply> => {
    const admitted = await admit('zendesk', req, limiter, maxBodyBytes);
    if ('reply' in admitted) return admitted.reply;
    const signature = header(req, 'x-zendesk-webhook-signature');
    const timestamp = header(req, 'x-zendesk-webhook-signature-timestamp');
    const signedAt = Date.parse(timestamp);
    if (!signature || !timestamp || !Number.isFinite(signedAt) || Math.abs(Date.now() - signedAt) > maxSkewMs) return refused('zendesk', 401, 'unauthorized');
    const expected = createHmac('sha256', options.signingSecret).update(timestamp + admitted.body).digest('base64');
    if (!sameSecret(signature, expected)) return refused('zendesk', 401, 'unauthorized');
    let event: { type?: unknown; time?: unknown; detail?: { id?: unknown; organization_id?: unknown } };
    try {
      event = JSON.parse(admitted.body) as typeof event;
    } catch {
      return refused('zendesk', 400, 'the body is not JSON');
    }
    const ticketId = Number(event?.detail?.id);
    if (typeof event?.type !== 'string' || !event.type.startsWith('zen:event-type:ticket.') || !Number.isSafeInteger(ticketId) || ticketId <= 0) {
      feedEventsTotal.inc({ feed: 'zendesk', result: 'ignored' });
      return { status: 200, body: { ok: true, ignored: true } };
    }
    const org = Number(event.detail?.organization_id);
    const changedAt = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
    const plan = await zendeskPlan(event.type, ticketId, Number.isSafeInteger(org) && org > 0 ? org : undefined, options.customerOf);
    await options.invalidator.apply('zendesk', plan, Number.isFinite(changedAt) ? changedAt : undefined);
    return { status: 200, body: { ok: true } };
  };
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

import { randomBytes } from 'node:crypto';
import type { SandboxRequest } from '../common/server.js';
import { json, type Reply } from './replies.js';

/**
 * Zendesk webhooks, as the Webhooks API manages them: `GET/POST /api/v2/webhooks`,
 * `GET/PUT/PATCH/DELETE /api/v2/webhooks/{id}`, `GET/POST /api/v2/webhooks/{id}/signing_secret`.
 * A webhook subscribes to event types (`zen:event-type:ticket.status_changed`, ...); every request
 * it sends is signed with its signing secret. Webhooks connected to triggers
 * (`conditional_ticket_events`) are refused: the sandbox has no triggers.
 */

/** Authentication a webhook adds to its requests. */
export interface WebhookAuthentication {
  type: 'bearer_token' | 'basic_auth' | 'api_key';
  add_position: 'header';
  data: { token?: string; username?: string; password?: string; name?: string; value?: string };
}

/** A webhook as the API shows it (the signing secret is only readable from its own endpoint). */
export interface ZendeskWebhook {
  id: string;
  name: string;
  description: string;
  status: 'active' | 'inactive';
  subscriptions: string[];
  endpoint: string;
  http_method: 'POST';
  request_format: 'json';
  authentication?: WebhookAuthentication;
  custom_headers?: Record<string, string>;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** The event types this sandbox emits (a webhook may subscribe to others; they never fire). */
export const EMITTED_EVENT_TYPES = [
  'zen:event-type:ticket.created',
  'zen:event-type:ticket.status_changed',
  'zen:event-type:ticket.priority_changed',
  'zen:event-type:ticket.subject_changed',
  'zen:event-type:ticket.comment_added',
] as const;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID, the shape of Zendesk webhook ids (`01GB4E5MT0RHV4NTQ3HMGQFZV0`). */
function ulid(): string {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  return head + [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
}

const invalid = (detail: string, pointer: string): Reply => json(400, { errors: [{ code: 'InvalidValue', title: 'Invalid value', detail, source: { pointer } }] });

type Stored = { hook: ZendeskWebhook; secret: string };

/** The webhooks of one Zendesk account; configuration, so a reset keeps them. */
export class WebhookStore {
  private readonly hooks = new Map<string, Stored>();

  constructor(private readonly actorId: string) {}

  /** Every webhook with its signing secret. */
  all(): Array<ZendeskWebhook & { signing_secret: { algorithm: 'SHA256'; secret: string } }> {
    return [...this.hooks.values()].map((s) => ({ ...s.hook, signing_secret: { algorithm: 'SHA256', secret: s.secret } }));
  }

  /** Active webhooks subscribed to an event type, with their secrets. */
  subscribers(type: string): Array<{ hook: ZendeskWebhook; secret: string }> {
    return [...this.hooks.values()].filter((s) => s.hook.status === 'active' && s.hook.subscriptions.includes(type));
  }

  /** Validates a webhook body (`{webhook: {...}}` or the bare object) and creates it; a Reply on bad input. */
  create(input: unknown): ZendeskWebhook | Reply {
    const parsed = this.parse(input, undefined);
    if ('status' in parsed && typeof parsed.status === 'number') return parsed as Reply;
    const { hook, secret } = parsed as Stored;
    this.hooks.set(hook.id, { hook, secret });
    return hook;
  }

  /** Replaces every webhook with new ones, all or none; the first error when one is invalid. */
  replaceAll(inputs: unknown[]): string | undefined {
    const parsed: Stored[] = [];
    for (const [i, input] of inputs.entries()) {
      const one = this.parse(input, undefined);
      if ('status' in one && typeof one.status === 'number') {
        const detail = ((one as Reply).body as { errors: Array<{ detail: string }> }).errors[0]!.detail;
        return `webhooks[${i}]: ${detail}`;
      }
      parsed.push(one as Stored);
    }
    this.hooks.clear();
    for (const s of parsed) this.hooks.set(s.hook.id, s);
    return undefined;
  }

  /** Routes `/api/v2/webhooks...` (parts after `webhooks`); counts each call. */
  route(req: SandboxRequest, parts: string[], body: () => Record<string, unknown>): Reply | undefined {
    const [id, sub] = parts;
    const method = req.method;
    if (id === undefined) {
      if (method === 'GET') {
        req.count('webhooks.list', this.hooks.size);
        return json(200, { webhooks: [...this.hooks.values()].map((s) => s.hook), meta: { has_more: false, after_cursor: null, before_cursor: null }, links: { next: null, prev: null } });
      }
      if (method === 'POST') {
        req.count('webhooks.create');
        const created = this.create(body());
        return 'id' in created ? json(201, { webhook: created }, { Location: `/api/v2/webhooks/${created.id}` }) : created;
      }
      return undefined;
    }
    const stored = this.hooks.get(id);
    const operation = sub === 'signing_secret' ? (method === 'GET' ? 'webhooks.signing_secret' : 'webhooks.reset_signing_secret') : `webhooks.${method === 'GET' ? 'show' : method === 'DELETE' ? 'delete' : 'update'}`;
    req.count(operation, stored ? 1 : 0);
    if (!stored) return json(404, { errors: [{ code: 'WebhookNotFound', title: 'Webhook not found', detail: `Webhook ${id} not found` }] });
    if (sub === 'signing_secret' && parts.length === 2) {
      if (method === 'POST') stored.secret = randomBytes(32).toString('base64');
      else if (method !== 'GET') return undefined;
      return json(200, { signing_secret: { algorithm: 'SHA256', secret: stored.secret } });
    }
    if (parts.length !== 1) return undefined;
    if (method === 'GET') return json(200, { webhook: stored.hook });
    if (method === 'DELETE') {
      this.hooks.delete(id);
      return { status: 204 };
    }
    if (method === 'PUT' || method === 'PATCH') {
      const parsed = this.parse(body(), method === 'PATCH' ? stored.hook : undefined, stored.hook);
      if ('status' in parsed && typeof parsed.status === 'number') return parsed as Reply;
      stored.hook = { ...(parsed as Stored).hook, id, created_at: stored.hook.created_at, created_by: stored.hook.created_by };
      return { status: 204 };
    }
    return undefined;
  }

  private parse(input: unknown, base: ZendeskWebhook | undefined, existing?: ZendeskWebhook): Stored | Reply {
    const outer = input as { webhook?: unknown } | null;
    const raw = (outer && typeof outer === 'object' && 'webhook' in outer ? outer.webhook : input) as Record<string, unknown> | null;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return invalid('The request body must hold a webhook object', '/webhook');
    const v = { ...(base ?? {}), ...raw } as Record<string, unknown>;
    if (typeof v.name !== 'string' || v.name.trim() === '') return invalid('name is required', '/webhook/name');
    if (typeof v.endpoint !== 'string' || !/^https?:\/\/\S+$/.test(v.endpoint)) return invalid('endpoint must be an http(s) URL', '/webhook/endpoint');
    const status = v.status ?? 'active';
    if (status !== 'active' && status !== 'inactive') return invalid('status must be active or inactive', '/webhook/status');
    const subs = v.subscriptions;
    if (!Array.isArray(subs) || subs.length === 0 || subs.some((x) => typeof x !== 'string')) return invalid('subscriptions must be a non-empty list of event types', '/webhook/subscriptions');
    if (subs.includes('conditional_ticket_events')) return invalid('conditional_ticket_events: this sandbox has no triggers or automations; subscribe to zen:event-type:ticket.* events', '/webhook/subscriptions');
    const unknown = (subs as string[]).find((x) => !x.startsWith('zen:event-type:'));
    if (unknown) return invalid(`unknown event type ${unknown}`, '/webhook/subscriptions');
    if ((v.http_method ?? 'POST') !== 'POST' || (v.request_format ?? 'json') !== 'json') return invalid('a webhook subscribed to Zendesk events must use POST and json', '/webhook/http_method');
    const auth = v.authentication as WebhookAuthentication | undefined;
    if (auth !== undefined && (typeof auth !== 'object' || !['bearer_token', 'basic_auth', 'api_key'].includes(auth.type) || typeof auth.data !== 'object')) {
      return invalid('authentication must be {type: bearer_token|basic_auth|api_key, add_position: header, data}', '/webhook/authentication');
    }
    const given = (raw.signing_secret as { secret?: unknown } | undefined)?.secret;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const hook: ZendeskWebhook = {
      id: existing?.id ?? ulid(),
      name: v.name,
      description: typeof v.description === 'string' ? v.description : '',
      status,
      subscriptions: [...(subs as string[])],
      endpoint: v.endpoint,
      http_method: 'POST',
      request_format: 'json',
      ...(auth ? { authentication: { ...auth, add_position: 'header' as const } } : {}),
      ...(v.custom_headers && typeof v.custom_headers === 'object' ? { custom_headers: v.custom_headers as Record<string, string> } : {}),
      created_at: existing?.created_at ?? now,
      created_by: existing?.created_by ?? this.actorId,
      updated_at: now,
      updated_by: this.actorId,
    };
    const secret = typeof given === 'string' && given !== '' ? given : (existing && this.hooks.get(existing.id)?.secret) ?? randomBytes(32).toString('base64');
    return { hook, secret };
  }
}

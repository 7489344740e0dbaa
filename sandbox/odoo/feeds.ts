import type { AdminReply, AdminRequest } from '../common/admin.js';
import { ChangeLog } from '../common/changes.js';
import type { SandboxBackend } from '../common/server.js';
import { installWebhookRules, listWebhookRules, parseWebhookRules, removeAutomationRules, type WebhookRule } from './automation.js';
import { captureChanges } from './change-capture.js';
import { applyOdooEdit } from './edit.js';
import type { OdooOrm } from './orm.js';
import { odooStreamKinds } from './stream-kinds.js';
import { OdooWebhookFeed, type OdooWebhookDeliveryOptions } from './webhooks.js';
import { isOdooWrite } from './write-calls.js';

/**
 * The change side of the Odoo sandbox: the change history fed by the ORM, out-of-band edits,
 * the scripted stream, automation-rule webhooks and their admin route `/__sandbox/webhooks`.
 */

/** Settings of the Odoo change feeds. */
export interface OdooFeedOptions {
  /** Automation rules sending webhooks, created with the database; rules are configuration and survive a reset. */
  webhooks?: WebhookRule[];
  /** How webhooks are sent (default as Odoo: one attempt, one-second timeout). */
  webhookDelivery?: OdooWebhookDeliveryOptions;
  /** Retention of the change history (default 50,000 changes or one hour, whichever is smaller). */
  changeRetention?: { maxEntries?: number; maxAgeMs?: number };
}

/** The feeds of one Odoo sandbox. */
export interface OdooFeeds {
  changes: ChangeLog;
  webhooks: OdooWebhookFeed;
  /** Starts observing an ORM (the first one, or the new one of a reset). */
  attach(orm: OdooOrm): void;
  /** Creates the configured rules in a new database. */
  install(orm: OdooOrm): void;
  /** The backend members the shared sandbox server uses. */
  backend: Required<Pick<SandboxBackend, 'changes' | 'edit' | 'streamKinds' | 'isWrite' | 'feeds' | 'admin' | 'close'>>;
}

const reply = (status: number, body: unknown): AdminReply => ({ status, body });

/** Creates the feeds over whatever ORM `orm()` currently is. */
export function createOdooFeeds(orm: () => OdooOrm, options: OdooFeedOptions = {}): OdooFeeds {
  const changes = new ChangeLog({ entityKey: 'model', ...options.changeRetention });
  const webhooks = new OdooWebhookFeed(orm, changes, options.webhookDelivery);

  const webhooksRoute = (req: AdminRequest): AdminReply | undefined => {
    if (req.path !== '/__sandbox/webhooks') return undefined;
    if (req.method === 'GET') return reply(200, { webhooks: listWebhookRules(orm()) });
    if (req.method !== 'PUT') return reply(405, { error: 'GET or PUT /__sandbox/webhooks' });
    let input: unknown;
    try {
      input = JSON.parse(req.body.toString('utf8') || '{}');
    } catch {
      return reply(400, { error: 'the body is not valid JSON' });
    }
    const list = Array.isArray(input) ? input : (input as { webhooks?: unknown } | null)?.webhooks;
    try {
      const rules = parseWebhookRules(orm(), list);
      removeAutomationRules(orm());
      installWebhookRules(orm(), rules);
    } catch (err) {
      return reply(400, { error: (err as Error).message });
    }
    return reply(200, { webhooks: listWebhookRules(orm()) });
  };

  return {
    changes,
    webhooks,
    attach: (o) => captureChanges(o, changes),
    install: (o) => {
      if (options.webhooks) installWebhookRules(o, parseWebhookRules(o, options.webhooks));
    },
    backend: {
      changes,
      edit: (body) => applyOdooEdit(orm(), body),
      streamKinds: odooStreamKinds(orm),
      isWrite: isOdooWrite,
      feeds: () => ({ webhooks: { rules: listWebhookRules(orm()).filter((r) => r.active).length, ...webhooks.stats() } }),
      admin: webhooksRoute,
      close: () => webhooks.close(),
    },
  };
}

import type { Change, ChangeLog, ChangeTransaction } from '../common/changes.js';
import { DeliveryQueue, type DeliveryStats } from '../common/delivery.js';
import { activeRules, type ActiveRule } from './automation.js';
import { pythonJsonDumps } from './python-literal.js';
import type { Orm } from './types.js';

/**
 * Odoo 17's "Send Webhook Notification" automation action, for every recorded change: when an
 * active `base.automation` rule on the record's model fires (its trigger, trigger fields and
 * filter domain), each of its webhook actions POSTs `json.dumps({_action, _id, _model, ...the
 * record's webhook fields read with load=None}, sort_keys=True)` with `Content-Type:
 * application/json`. Odoo sends it after the commit, once, with a one-second timeout and no
 * retry ("send and forget"); the sandbox does the same by default, in the background, in order
 * per record and URL.
 */

/** How webhooks are sent. */
export interface OdooWebhookDeliveryOptions {
  /** Per attempt (default 1000 ms, as Odoo's `requests.post(..., timeout=1)`). */
  timeoutMs?: number;
  /** Retries after a failed attempt (default 0, as Odoo); backoff 250 ms doubling, at most 5 s. */
  retries?: number;
  /** Most notifications waiting at once (default 10,000); past it they are dropped and counted. */
  maxPending?: number;
}

/** Counts of the webhook feed. */
export interface OdooWebhookStats {
  /** Notifications built from changes (one per firing rule action). */
  notifications: number;
  deliveries: DeliveryStats;
}

const HEADERS = { 'Content-Type': 'application/json', 'User-Agent': 'python-requests/2.31.0', Accept: '*/*', 'Accept-Encoding': 'gzip, deflate' };

function fires(orm: Orm, rule: ActiveRule, change: Change): boolean {
  const trigger = rule.trigger;
  if (change.kind === 'create' && trigger !== 'on_create' && trigger !== 'on_create_or_write') return false;
  if (change.kind === 'update' && trigger !== 'on_write' && trigger !== 'on_create_or_write') return false;
  if (change.kind === 'delete' && trigger !== 'on_unlink') return false;
  if (change.kind === 'update' && rule.triggerFields.size > 0 && !Object.keys(change.values).some((f) => rule.triggerFields.has(f))) return false;
  if (rule.domain === null) return false;
  if (rule.domain === undefined || change.kind === 'delete') return true;
  try {
    return orm.searchIds(change.model!, [['id', '=', change.id], ...rule.domain], { active_test: false }).length > 0;
  } catch {
    return false;
  }
}

/** The body of one webhook action for a change, as Odoo serializes it. */
export function webhookBody(orm: Orm, change: Change, action: ActiveRule['actions'][number]): string {
  const model = change.model!;
  const id = Number(change.id);
  const vals: Record<string, unknown> = { _model: model, _id: id, _action: `${action.name}(#${action.id})` };
  if (action.fields.length > 0) {
    // record.read(fields, load=None): many2one as a bare id, and the id itself
    const read = change.kind === 'delete' ? { id, ...Object.fromEntries(action.fields.map((f) => [f, change.previous[f] ?? false])) } : orm.read(model, [id], action.fields, {}, false)[0];
    Object.assign(vals, read);
  }
  const fields = orm.table(model).fields;
  const floats = new Set(action.fields.filter((f) => fields[f]?.type === 'float' || fields[f]?.type === 'monetary'));
  return pythonJsonDumps(vals, floats);
}

/** Sends the webhooks of the automation rules for every committed transaction. */
export class OdooWebhookFeed {
  private readonly queue: DeliveryQueue;
  private notifications = 0;
  private readonly off: () => void;

  constructor(
    private readonly orm: () => Orm,
    log: ChangeLog,
    options: OdooWebhookDeliveryOptions = {},
  ) {
    const retries = options.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0) throw new TypeError(`webhookDelivery.retries must be a non-negative integer, got ${retries}`);
    this.queue = new DeliveryQueue({
      maxPending: options.maxPending,
      policy: { timeoutMs: options.timeoutMs ?? 1000, retryDelay: (attempt) => (attempt <= retries ? Math.min(5000, 250 * 2 ** (attempt - 1)) : undefined) },
    });
    this.off = log.onCommit((txn) => this.announce(txn));
  }

  /** Counters for `GET /__sandbox/feeds`. */
  stats(): OdooWebhookStats {
    return { notifications: this.notifications, deliveries: this.queue.stats() };
  }

  /** Zeroes the counters (on reset). */
  resetCounts(): void {
    this.notifications = 0;
    this.queue.resetCounts();
  }

  /** Resolves once every queued webhook is sent or given up. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops sending. */
  close(): void {
    this.off();
    this.queue.close();
  }

  private announce(txn: ChangeTransaction): void {
    const orm = this.orm();
    const rulesByModel = new Map<string, ActiveRule[]>();
    for (const change of txn.changes) {
      if (change.derived) continue;
      const model = change.model!;
      let rules = rulesByModel.get(model);
      if (!rules) rulesByModel.set(model, (rules = activeRules(orm, model)));
      for (const rule of rules) {
        if (!fires(orm, rule, change)) continue;
        for (const action of rule.actions) {
          const body = webhookBody(orm, change, action);
          this.notifications += 1;
          this.queue.enqueue({ url: action.url, key: `${action.url}|${model}:${change.id}`, body, headers: () => HEADERS });
        }
      }
    }
  }
}

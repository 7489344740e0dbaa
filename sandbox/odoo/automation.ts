import { MODEL_DEFS } from './models.js';
import { pyRepr } from './errors.js';
import { parsePythonLiteral } from './python-literal.js';
import type { OdooRecord, Orm } from './types.js';

/**
 * Automation rules that send webhooks, as Odoo 17 stores them: the `ir.model` / `ir.model.fields`
 * registry, and a `base.automation` rule per webhook with one `ir.actions.server` action of state
 * `webhook`. The sandbox option `webhooks` and `PUT /__sandbox/webhooks` write these records;
 * a client can as well, through the ORM (`create` on `base.automation`).
 */

/** A webhook rule as the `webhooks` option and `/__sandbox/webhooks` describe it. */
export interface WebhookRule {
  /** Model watched, e.g. `res.partner`. */
  model: string;
  /** Where the POST goes. Odoo signs nothing: a shared secret can only travel in the URL. */
  url: string;
  /** Fields sent beside `_action`, `_id`, `_model` (`webhook_field_ids`); none when absent. */
  fields?: string[];
  /** Fields whose change fires the rule on update (`trigger_field_ids`); any write when absent. */
  triggerFields?: string[];
  /** When it fires (default `on_create_or_write`). */
  trigger?: 'on_create_or_write' | 'on_create' | 'on_write' | 'on_unlink';
  /** A JSON domain the record must match after the change (`filter_domain`). */
  domain?: unknown[];
  /** Rule name (default `Webhook <model>`); the action is named `Send Webhook Notification`. */
  name?: string;
}

/** A rule as the sandbox reads it back from the records. */
export interface StoredWebhookRule extends Required<Omit<WebhookRule, 'domain'>> {
  id: number;
  active: boolean;
  domain: unknown[] | null;
}

/** An active rule's webhook actions, ready to evaluate against a change. */
export interface ActiveRule {
  id: number;
  trigger: string;
  triggerFields: ReadonlySet<string>;
  /** Parsed `filter_domain`; undefined when the rule has none; null when it does not parse (the rule never fires). */
  domain: unknown[] | null | undefined;
  actions: Array<{ id: number; name: string; url: string; fields: string[] }>;
}

const RULE_TRIGGERS = new Set(['on_create_or_write', 'on_create', 'on_write', 'on_unlink']);

/** The `ir.model` and `ir.model.fields` rows of every model the sandbox serves. */
export function irModelRecords(): Map<string, OdooRecord[]> {
  const models: OdooRecord[] = [];
  const fields: OdooRecord[] = [];
  for (const def of MODEL_DEFS.values()) {
    const modelId = models.length + 1;
    models.push({ id: modelId, name: def.description, model: def.name, state: 'base', transient: false });
    for (const [name, f] of Object.entries(def.fields)) {
      fields.push({
        id: fields.length + 1,
        name,
        field_description: f.string,
        model: def.name,
        model_id: modelId,
        ttype: f.type,
        relation: f.relation ?? false,
        required: f.required === true,
        readonly: f.readonly === true || f.compute !== undefined,
        store: f.compute === undefined && f.type !== 'one2many',
      });
    }
  }
  return new Map([['ir.model', models], ['ir.model.fields', fields]]);
}

const strings = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new TypeError(`${what} must be a list of field names`);
  return v as string[];
};

/** Validates a list of webhook rules against the models; throws a TypeError naming the bad part. */
export function parseWebhookRules(orm: Orm, input: unknown): WebhookRule[] {
  if (!Array.isArray(input)) throw new TypeError('webhooks must be a list of {model, url, fields?, triggerFields?, trigger?, domain?, name?}');
  return input.map((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`webhooks[${i}] must be an object`);
    const r = raw as Record<string, unknown>;
    if (typeof r.model !== 'string' || !orm.hasModel(r.model)) throw new TypeError(`webhooks[${i}].model: unknown model ${JSON.stringify(r.model)}`);
    if (typeof r.url !== 'string' || !/^https?:\/\//.test(r.url)) throw new TypeError(`webhooks[${i}].url must be an http(s) URL`);
    const fields = strings(r.fields, `webhooks[${i}].fields`);
    const triggerFields = strings(r.triggerFields, `webhooks[${i}].triggerFields`);
    for (const f of [...(fields ?? []), ...(triggerFields ?? [])]) {
      if (!orm.table(r.model).fields[f]) throw new TypeError(`webhooks[${i}]: unknown field ${JSON.stringify(f)} on ${r.model}`);
    }
    if (r.trigger !== undefined && (typeof r.trigger !== 'string' || !RULE_TRIGGERS.has(r.trigger))) {
      throw new TypeError(`webhooks[${i}].trigger must be one of ${[...RULE_TRIGGERS].join(', ')}`);
    }
    if (r.domain !== undefined && !Array.isArray(r.domain)) throw new TypeError(`webhooks[${i}].domain must be a domain (a list)`);
    if (r.name !== undefined && typeof r.name !== 'string') throw new TypeError(`webhooks[${i}].name must be a string`);
    return { model: r.model, url: r.url, fields, triggerFields, trigger: r.trigger as WebhookRule['trigger'], domain: r.domain as unknown[] | undefined, name: r.name as string | undefined };
  });
}

const fieldIds = (orm: Orm, model: string, names: string[] = []): number[] =>
  names.map((name) => [...orm.idsBy('ir.model.fields', 'model', model)].find((id) => orm.row('ir.model.fields', id)?.name === name)!);

/** Creates the automation records of validated rules; returns the rule ids. */
export function installWebhookRules(orm: Orm, rules: WebhookRule[]): number[] {
  return rules.map((rule) => {
    const modelId = [...orm.idsBy('ir.model', 'model', rule.model)][0]!;
    return orm.createOne('base.automation', {
      name: rule.name ?? `Webhook ${rule.model}`,
      model_id: modelId,
      trigger: rule.trigger ?? 'on_create_or_write',
      trigger_field_ids: [[6, 0, fieldIds(orm, rule.model, rule.triggerFields)]],
      filter_domain: rule.domain ? pyRepr(rule.domain) : false,
      action_server_ids: [
        [0, 0, { name: 'Send Webhook Notification', model_id: modelId, usage: 'base_automation', state: 'webhook', webhook_url: rule.url, webhook_field_ids: [[6, 0, fieldIds(orm, rule.model, rule.fields)]] }],
      ],
    });
  });
}

/** Deletes every automation rule and its actions. */
export function removeAutomationRules(orm: Orm): void {
  const rules = [...orm.table('base.automation').rows.keys()];
  const actions = rules.flatMap((id) => [...orm.idsBy('ir.actions.server', 'base_automation_id', id)]);
  if (actions.length) orm.unlinkIds('ir.actions.server', actions);
  if (rules.length) orm.unlinkIds('base.automation', rules);
}

const fieldNames = (orm: Orm, ids: unknown): string[] =>
  (Array.isArray(ids) ? (ids as number[]) : []).map((id) => orm.row('ir.model.fields', id)?.name).filter((n): n is string => typeof n === 'string');

function parseDomainText(text: unknown): unknown[] | null | undefined {
  if (typeof text !== 'string' || text.trim() === '' || text.trim() === '[]') return undefined;
  try {
    const parsed = parsePythonLiteral(text);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

const actionsOf = (orm: Orm, ruleId: number) =>
  [...orm.idsBy('ir.actions.server', 'base_automation_id', ruleId)]
    .map((id) => orm.row('ir.actions.server', id)!)
    .sort((a, b) => Number(a.sequence) - Number(b.sequence) || a.id - b.id);

/** The active rules on a model that have webhook actions. */
export function activeRules(orm: Orm, model: string): ActiveRule[] {
  const modelId = [...orm.idsBy('ir.model', 'model', model)][0];
  if (modelId === undefined) return [];
  const out: ActiveRule[] = [];
  for (const id of orm.idsBy('base.automation', 'model_id', modelId)) {
    const rule = orm.row('base.automation', id)!;
    if (rule.active === false) continue;
    const actions = actionsOf(orm, id)
      .filter((a) => a.state === 'webhook' && typeof a.webhook_url === 'string' && a.webhook_url !== '')
      .map((a) => ({ id: a.id, name: String(a.name), url: String(a.webhook_url), fields: fieldNames(orm, a.webhook_field_ids) }));
    if (actions.length === 0) continue;
    out.push({ id, trigger: String(rule.trigger), triggerFields: new Set(fieldNames(orm, rule.trigger_field_ids)), domain: parseDomainText(rule.filter_domain), actions });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** Every rule with a webhook action, in the shape of the `webhooks` option. */
export function listWebhookRules(orm: Orm): StoredWebhookRule[] {
  const out: StoredWebhookRule[] = [];
  for (const rule of orm.table('base.automation').rows.values()) {
    const model = orm.row('ir.model', rule.model_id as number)?.model;
    const action = actionsOf(orm, rule.id).find((a) => a.state === 'webhook');
    if (typeof model !== 'string' || !action) continue;
    out.push({
      id: rule.id,
      name: String(rule.name),
      active: rule.active !== false,
      model,
      url: String(action.webhook_url || ''),
      fields: fieldNames(orm, action.webhook_field_ids),
      triggerFields: fieldNames(orm, rule.trigger_field_ids),
      trigger: String(rule.trigger) as StoredWebhookRule['trigger'],
      domain: parseDomainText(rule.filter_domain) ?? null,
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

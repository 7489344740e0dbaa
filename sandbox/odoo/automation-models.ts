import type { FieldDef, FieldType, ModelDef } from './types.js';

/**
 * The models behind Odoo 17's automation rules: `ir.model` and `ir.model.fields` (the registry of
 * models and fields, generated from the sandbox's own definitions), `base.automation` (a rule:
 * model, trigger, trigger fields, filter domain) and `ir.actions.server` (its actions, here the
 * "Send Webhook Notification" kind: `state: 'webhook'`, `webhook_url`, `webhook_field_ids`).
 */

const char = (string: string, o: Partial<FieldDef> = {}): FieldDef => ({ type: 'char', string, ...o });
const bool = (string: string, o: Partial<FieldDef> = {}): FieldDef => ({ type: 'boolean', string, ...o });
const m2o = (relation: string, string: string, o: Partial<FieldDef> = {}): FieldDef => ({ type: 'many2one', string, relation, ...o });
const related = (string: string, from: string): FieldDef => ({
  type: 'char',
  string,
  readonly: true,
  compute: (env, r) => (typeof r[from] === 'number' ? (env.row('ir.model', r[from] as number)?.model ?? false) : false),
});

const FIELD_TYPES: FieldType[] = ['char', 'text', 'integer', 'float', 'monetary', 'boolean', 'date', 'datetime', 'selection', 'many2one', 'one2many', 'many2many'];

/** Automation triggers of Odoo 17 (the sandbox fires the record ones: create, write, create or write, unlink). */
export const TRIGGERS: Array<[string, string]> = [
  ['on_create', 'On create'],
  ['on_write', 'On update'],
  ['on_create_or_write', 'On create and edit'],
  ['on_unlink', 'On deletion'],
  ['on_change', 'On UI change'],
  ['on_time', 'Based on date field'],
  ['on_stage_set', 'Stage is set to'],
  ['on_state_set', 'State is set to'],
  ['on_priority_set', 'Priority is set to'],
  ['on_user_set', 'User is set'],
  ['on_tag_set', 'Tag is added'],
  ['on_archive', 'On archived'],
  ['on_unarchive', 'On unarchived'],
  ['on_webhook', 'On webhook'],
];

/** The automation models. */
export const AUTOMATION_MODELS: ModelDef[] = [
  {
    name: 'ir.model',
    description: 'Models',
    order: 'model',
    recName: 'name',
    indexed: ['model'],
    fields: {
      name: char('Model Description', { required: true }),
      model: char('Model', { required: true }),
      state: { type: 'selection', string: 'Type', selection: [['manual', 'Custom Object'], ['base', 'Base Object']], default: () => 'manual' },
      transient: bool('Transient Model'),
    },
  },
  {
    name: 'ir.model.fields',
    description: 'Fields',
    order: 'name',
    recName: 'field_description',
    indexed: ['model', 'name', 'model_id'],
    displayName: (_env, r) => `${String(r.field_description)} (${String(r.model)})`,
    fields: {
      name: char('Field Name', { required: true }),
      field_description: char('Field Label', { required: true }),
      model: char('Model Name'),
      model_id: m2o('ir.model', 'Model', { required: true }),
      ttype: { type: 'selection', string: 'Field Type', selection: FIELD_TYPES.map((t) => [t, t]), required: true },
      relation: char('Related Model'),
      required: bool('Required'),
      readonly: bool('Readonly'),
      store: bool('Stored', { default: () => true }),
    },
  },
  {
    name: 'base.automation',
    description: 'Automation Rule',
    order: 'id',
    recName: 'name',
    indexed: ['model_id'],
    fields: {
      name: char('Automation Rule Name', { required: true }),
      model_id: m2o('ir.model', 'Model', { required: true }),
      model_name: related('Model Name', 'model_id'),
      active: bool('Active', { default: () => true }),
      trigger: { type: 'selection', string: 'Trigger', selection: TRIGGERS, required: true, default: () => 'on_create_or_write' },
      trigger_field_ids: { type: 'many2many', string: 'Trigger Fields', relation: 'ir.model.fields' },
      filter_pre_domain: char('Before Update Domain'),
      filter_domain: char('Apply on'),
      action_server_ids: { type: 'one2many', string: 'Actions', relation: 'ir.actions.server', inverse: 'base_automation_id' },
      description: { type: 'text', string: 'Description' },
      last_run: { type: 'datetime', string: 'Last Run', readonly: true },
    },
  },
  {
    name: 'ir.actions.server',
    description: 'Server Actions',
    order: 'sequence,name',
    recName: 'name',
    indexed: ['base_automation_id'],
    fields: {
      name: char('Action Name', { required: true }),
      type: char('Action Type', { default: () => 'ir.actions.server' }),
      usage: { type: 'selection', string: 'Usage', selection: [['ir_actions_server', 'Server Action'], ['ir_cron', 'Scheduled Action'], ['base_automation', 'Automation Rule']], default: () => 'ir_actions_server' },
      model_id: m2o('ir.model', 'Model', { required: true }),
      model_name: related('Model Name', 'model_id'),
      state: {
        type: 'selection',
        string: 'Type',
        required: true,
        default: () => 'object_write',
        selection: [['object_write', 'Update Record'], ['object_create', 'Create Record'], ['object_copy', 'Duplicate Record'], ['code', 'Execute Code'], ['webhook', 'Send Webhook Notification'], ['multi', 'Execute Existing Actions'], ['mail_post', 'Send email'], ['followers', 'Add followers'], ['remove_followers', 'Remove followers'], ['next_activity', 'Create Activity']],
      },
      webhook_url: char('Webhook URL'),
      webhook_field_ids: { type: 'many2many', string: 'Webhook Fields', relation: 'ir.model.fields' },
      base_automation_id: m2o('base.automation', 'Automation Rule'),
      sequence: { type: 'integer', string: 'Sequence', default: () => 5 },
      code: { type: 'text', string: 'Python Code' },
    },
  },
];

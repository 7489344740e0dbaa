import { createHash } from 'node:crypto';
import type { ChangeLog } from '../common/changes.js';
import type { SandboxRequest } from '../common/server.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID } from './credentials.js';
import { PRIORITY_ORDER, STATUS_ORDER, TICKET_TYPES, type ZdComment, type ZdCustomFieldValue, type ZdTicket, type ZdTicketPriority, type ZdTicketStatus, type ZdTicketType } from './records.js';
import { badRequest, json, notFound, readJsonBody, recordInvalid, type Details, type Reply } from './replies.js';
import type { ZendeskWorld } from './world.js';

/**
 * Ticket writes: `POST /tickets` (with Idempotency-Key), `PUT /tickets/{id}` and the update core
 * that out-of-band edits and the change stream share, each recording what it changed in the
 * change history (a ticket's changed fields, and an added comment as its `comment` field).
 */

const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

/** Records the fields of a ticket that differ from its copy taken before the write, and the comment added. */
export function recordTicketChanges(log: ChangeLog, before: ZdTicket, after: ZdTicket, added: ZdComment | null): void {
  for (const key of Object.keys(after) as Array<keyof ZdTicket>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) log.changed('ticket', after.id, key, before[key], after[key]);
  }
  if (added) log.changed('ticket', after.id, 'comment', null, { id: added.id, author_id: added.author_id, body: added.body, public: added.public, created_at: added.created_at });
}

/** Reads `custom_fields: [{id, value}]`; unknown field ids are ignored, as Zendesk does. */
export function readCustomFields(raw: unknown, details: Details, current: ZdCustomFieldValue[] = []): ZdCustomFieldValue[] {
  const fields = current.map((f) => ({ ...f }));
  if (raw === undefined) return fields;
  if (!Array.isArray(raw)) {
    details.custom_fields = [{ description: 'Custom fields: must be an array of {id, value}', error: 'InvalidValue' }];
    return fields;
  }
  for (const entry of raw) {
    const id = Number((entry as { id?: unknown })?.id);
    const value = (entry as { value?: unknown })?.value;
    if (id !== ZENDESK_ORDER_NUMBER_FIELD_ID) continue;
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') {
      details.custom_fields = [{ description: `Custom field ${id}: value must be text`, error: 'InvalidValue' }];
      continue;
    }
    const existing = fields.find((f) => f.id === id);
    const text = value === null || value === '' ? null : String(value);
    if (existing) existing.value = text;
    else fields.push({ id, value: text });
  }
  return fields;
}

/** Reads an enum value (case-insensitive); null for blank, undefined when absent or invalid (then a detail is set). */
export function readEnum<T extends string>(raw: unknown, allowed: readonly T[], field: string, label: string, details: Details): T | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || raw === '') return null;
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw.toLowerCase())) return raw.toLowerCase() as T;
  details[field] = [{ description: `${label}: ${String(raw)} is not valid`, error: 'InvalidValue' }];
  return undefined;
}

/** Reads `tags`, normalized as Zendesk stores them. */
export function readTags(raw: unknown, details: Details): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== 'string')) {
    details.tags = [{ description: 'Tags: must be an array of strings', error: 'InvalidValue' }];
    return undefined;
  }
  return [...new Set((raw as string[]).map((t) => t.trim().toLowerCase().replace(/\s+/g, '_')).filter(Boolean))];
}

/** Reads a `comment` {body | html_body, public}. */
export function readComment(raw: unknown, details: Details): { body: string; isPublic: boolean } | undefined {
  if (raw === undefined || raw === null) return undefined;
  const c = raw as { body?: unknown; html_body?: unknown; public?: unknown };
  const body = typeof c.body === 'string' ? c.body : typeof c.html_body === 'string' ? c.html_body.replace(/<[^>]*>/g, '') : '';
  if (typeof raw !== 'object' || body.trim() === '') {
    details.comment = [{ description: 'Comment: body cannot be blank', error: 'BlankValue' }];
    return undefined;
  }
  if (c.public !== undefined && typeof c.public !== 'boolean') {
    details.comment = [{ description: 'Comment: public must be true or false', error: 'InvalidValue' }];
    return undefined;
  }
  return { body, isPublic: c.public !== false };
}

/** What the ticket writes need: the current world, the clock of idempotency keys and the change history. */
export interface TicketWriteDeps {
  world(): ZendeskWorld;
  now(): number;
  /** How long an idempotency key is kept. */
  ttlMs: number;
  log: ChangeLog;
}

/** The ticket write handlers over whatever world `deps.world()` currently is. */
export function createTicketWrites(deps: TicketWriteDeps) {
  let idempotency = new Map<string, { hash: string; reply: Reply; expiresAt: number }>();

  const audit = (ticket: ZdTicket, comment: ZdComment | null, events: Record<string, unknown>[]) => ({
    id: comment ? comment.audit_id : ticket.id * 1000 + 999,
    ticket_id: ticket.id,
    created_at: ticket.updated_at,
    author_id: deps.world().apiUser.id,
    metadata: { system: {}, custom: {} },
    events: [
      ...(comment
        ? [{ id: comment.id, type: 'Comment', author_id: comment.author_id, body: comment.body, html_body: comment.html_body, plain_body: comment.plain_body, public: comment.public, attachments: [], audit_id: comment.audit_id }]
        : []),
      ...events,
    ],
    via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
  });

  const createTicket = (req: SandboxRequest): Reply => {
    const key = req.headers['idempotency-key'];
    const idempotencyKey = Array.isArray(key) ? key[0] : key;
    const body = readJsonBody(req);
    const hash = createHash('sha256').update(stableJson(body)).digest('hex');
    if (idempotencyKey) {
      const seen = idempotency.get(idempotencyKey);
      if (seen && seen.expiresAt <= deps.now()) idempotency.delete(idempotencyKey);
      else if (seen) {
        req.count('tickets.create', 0);
        if (seen.hash !== hash) {
          return json(400, { error: 'IdempotentRequestError', description: 'The request body does not match the original request made with this Idempotency-Key' }, { 'x-idempotency-lookup': 'hit' });
        }
        return { ...seen.reply, headers: { ...seen.reply.headers, 'x-idempotency-lookup': 'hit' } };
      }
    }
    const reply = validateAndCreate(req, body);
    if (idempotencyKey && reply.status === 201) idempotency.set(idempotencyKey, { hash, reply, expiresAt: deps.now() + deps.ttlMs });
    return idempotencyKey ? { ...reply, headers: { ...reply.headers, 'x-idempotency-lookup': 'miss' } } : reply;
  };

  const validateAndCreate = (req: SandboxRequest, body: Record<string, unknown>): Reply => {
    const world = deps.world();
    const raw = body.ticket as Record<string, unknown> | undefined;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      req.count('tickets.create', 0);
      return badRequest('ParameterMissing', 'param is missing or the value is empty: ticket');
    }
    const details: Details = {};
    const comment = readComment(raw.comment, details);
    if (!comment && !details.comment) details.description = [{ description: 'Description: cannot be blank', error: 'BlankValue' }];
    const priority = readEnum<ZdTicketPriority>(raw.priority, PRIORITY_ORDER, 'priority', 'Priority', details);
    const type = readEnum<ZdTicketType>(raw.type, TICKET_TYPES, 'type', 'Type', details);
    let status = readEnum<ZdTicketStatus>(raw.status, STATUS_ORDER, 'status', 'Status', details);
    if (status === 'closed') {
      details.status = [{ description: 'Status: closed is not valid for a new ticket', error: 'InvalidValue' }];
      status = undefined;
    }
    const tags = readTags(raw.tags, details);
    const customFields = readCustomFields(raw.custom_fields, details, [{ id: ZENDESK_ORDER_NUMBER_FIELD_ID, value: null }]);
    if (raw.subject !== undefined && raw.subject !== null && typeof raw.subject !== 'string') details.subject = [{ description: 'Subject: must be text', error: 'InvalidValue' }];

    let organizationId: number | null = null;
    if (raw.organization_id !== undefined && raw.organization_id !== null) {
      const id = Number(raw.organization_id);
      if (!world.organizations.has(id)) details.organization_id = [{ description: `Organization: ${String(raw.organization_id)} does not exist`, error: 'InvalidValue' }];
      else organizationId = id;
    }
    let requesterId = world.apiUser.id;
    let newRequester: { name: string; email: string } | null = null;
    if (raw.requester_id !== undefined && raw.requester_id !== null) {
      const user = world.users.get(Number(raw.requester_id));
      if (!user) details.requester = [{ description: `Requester: ${String(raw.requester_id)} does not exist`, error: 'InvalidValue' }];
      else requesterId = user.id;
    } else if (raw.requester !== undefined) {
      const r = raw.requester as { name?: unknown; email?: unknown } | null;
      const mail = typeof r?.email === 'string' ? r.email.trim() : '';
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(mail)) details.requester = [{ description: 'Requester: email is invalid', error: 'InvalidValue' }];
      else {
        const existing = world.usersByEmail.get(mail.toLowerCase());
        if (existing) requesterId = existing.id;
        else newRequester = { name: typeof r?.name === 'string' && r.name.trim() ? r.name.trim() : mail.split('@')[0]!, email: mail };
      }
    }
    let assigneeId: number | null = null;
    if (raw.assignee_id !== undefined && raw.assignee_id !== null) {
      const agent = world.users.get(Number(raw.assignee_id));
      if (!agent || agent.role === 'end-user') details.assignee_id = [{ description: `Assignee: ${String(raw.assignee_id)} is not an agent`, error: 'InvalidValue' }];
      else assigneeId = agent.id;
    }
    if (Object.keys(details).length > 0 || !comment) {
      req.count('tickets.create', 0);
      return recordInvalid(details);
    }
    if (newRequester) {
      const user = world.insertUser(newRequester.name, newRequester.email, organizationId);
      deps.log.created('user', user.id, user);
      requesterId = user.id;
    }
    if (organizationId === null) organizationId = world.users.get(requesterId)?.organization_id ?? null;
    const { ticket, comment: first } = world.insertTicket({
      subject: typeof raw.subject === 'string' && raw.subject.trim() ? raw.subject : null,
      body: comment.body,
      isPublic: comment.isPublic,
      requesterId,
      submitterId: world.apiUser.id,
      organizationId,
      priority: priority ?? null,
      type: type ?? null,
      status: status ?? (assigneeId !== null ? 'open' : 'new'),
      externalId: typeof raw.external_id === 'string' ? raw.external_id : null,
      tags: tags ?? [],
      customFields,
      assigneeId,
    });
    deps.log.created('ticket', ticket.id, ticket);
    req.count('tickets.create', 1);
    const events = [
      { id: first.audit_id * 10 + 1, type: 'Create', field_name: 'status', value: ticket.status },
      { id: first.audit_id * 10 + 2, type: 'Create', field_name: 'subject', value: ticket.subject },
    ];
    return json(201, { ticket, audit: audit(ticket, first, events) }, { Location: ticket.url });
  };

  /** Validates and applies a ticket update (as `PUT /tickets/{id}`'s `ticket` member), recording what changed. */
  const applyUpdate = (ticket: ZdTicket, raw: Record<string, unknown>, by: { authorId: number; channel: 'api' | 'web' }): { ok: true; added: ZdComment | null; events: Record<string, unknown>[] } | { ok: false; details: Details } => {
    const world = deps.world();
    const details: Details = {};
    const comment = readComment(raw.comment, details);
    const priority = readEnum<ZdTicketPriority>(raw.priority, PRIORITY_ORDER, 'priority', 'Priority', details);
    const type = readEnum<ZdTicketType>(raw.type, TICKET_TYPES, 'type', 'Type', details);
    const status = readEnum<ZdTicketStatus>(raw.status, STATUS_ORDER, 'status', 'Status', details);
    if (status === 'closed') details.status = [{ description: 'Status: closed cannot be set through the API; solve the ticket instead', error: 'InvalidValue' }];
    if (raw.status === null) details.status = [{ description: 'Status: cannot be blank', error: 'BlankValue' }];
    const tags = readTags(raw.tags, details);
    const customFields = readCustomFields(raw.custom_fields, details, ticket.custom_fields);
    if (Object.keys(details).length > 0) return { ok: false, details };
    const before = structuredClone(ticket);
    const events: Record<string, unknown>[] = [];
    const change = <K extends keyof ZdTicket>(field: K, value: ZdTicket[K] | undefined) => {
      if (value === undefined || ticket[field] === value) return;
      events.push({ id: ticket.id * 10_000 + events.length, type: 'Change', field_name: field, value, previous_value: ticket[field] });
      ticket[field] = value;
    };
    change('priority', priority);
    change('type', type);
    change('status', status ?? undefined);
    if (typeof raw.subject === 'string' && raw.subject.trim()) {
      change('subject', raw.subject);
      ticket.raw_subject = ticket.subject;
    }
    if (tags) ticket.tags = tags;
    if (raw.custom_fields !== undefined) {
      ticket.custom_fields = customFields;
      ticket.fields = customFields.map((f) => ({ ...f }));
    }
    let added: ZdComment | null = null;
    if (comment) added = world.appendComment(ticket, comment.body, comment.isPublic, by.authorId, by.channel);
    else ticket.updated_at = world.tick();
    recordTicketChanges(deps.log, before, ticket, added);
    return { ok: true, added, events };
  };

  const updateTicket = (req: SandboxRequest, id: number): Reply => {
    const world = deps.world();
    const body = readJsonBody(req);
    const ticket = world.tickets.get(id);
    if (!ticket) {
      req.count('tickets.update', 0);
      return notFound();
    }
    const raw = body.ticket as Record<string, unknown> | undefined;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      req.count('tickets.update', 0);
      return badRequest('ParameterMissing', 'param is missing or the value is empty: ticket');
    }
    if (ticket.status === 'closed') {
      req.count('tickets.update', 0);
      return recordInvalid({ status: [{ description: 'Status: closed prevents ticket update', error: 'ClosedPreventsUpdate' }] });
    }
    const author = typeof (raw.comment as { author_id?: unknown } | undefined)?.author_id === 'number' ? (raw.comment as { author_id: number }).author_id : world.apiUser.id;
    const applied = applyUpdate(ticket, raw, { authorId: world.users.has(author) ? author : world.apiUser.id, channel: 'api' });
    if (!applied.ok) {
      req.count('tickets.update', 0);
      return recordInvalid(applied.details);
    }
    req.count('tickets.update', 1);
    return json(200, { ticket, audit: audit(ticket, applied.added, applied.events) });
  };

  return {
    createTicket,
    updateTicket,
    applyUpdate,
    resetIdempotency: () => {
      idempotency = new Map();
    },
  };
}

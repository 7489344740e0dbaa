import { randomBytes, randomUUID } from 'node:crypto';
import type { Change } from '../common/changes.js';
import type { ZdTicket } from './records.js';
import type { ZendeskWorld } from './world.js';

/**
 * Zendesk's ticket events for webhooks (`zendesk_event_version` 2022-11-06): for each change of a
 * ticket, `ticket.created`, `ticket.status_changed`, `ticket.priority_changed`,
 * `ticket.subject_changed` and `ticket.comment_added`, each
 * `{account_id, detail, event, id, subject: "zen:ticket:<id>", time, type, zendesk_event_version}`.
 * `detail` is the ticket after the change with Zendesk's event conventions: ids as strings,
 * status, priority and type in capitals; `event` holds `current`/`previous` (or the comment) and
 * `meta.sequence` shared by the events of one change.
 */

/** The sandbox account's id, sent as `account_id` and `x-zendesk-account-id`. */
export const ZENDESK_ACCOUNT_ID = 12514403;

/** One ticket event, before it is sent. */
export interface TicketEvent {
  type: string;
  ticketId: number;
  payload: Record<string, unknown>;
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const upper = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : null);

/** The `detail` object of a ticket event. */
export function ticketDetail(ticket: ZdTicket, actorId: number | undefined): Record<string, unknown> {
  return {
    actor_id: str(actorId ?? ticket.submitter_id),
    assignee_id: str(ticket.assignee_id),
    brand_id: str(ticket.brand_id),
    created_at: ticket.created_at,
    custom_status: null,
    description: ticket.description,
    external_id: str(ticket.external_id),
    form_id: null,
    group_id: str(ticket.group_id),
    id: String(ticket.id),
    is_public: ticket.is_public,
    organization_id: str(ticket.organization_id),
    priority: upper(ticket.priority),
    requester_id: str(ticket.requester_id),
    status: upper(ticket.status),
    subject: ticket.subject,
    submitter_id: str(ticket.submitter_id),
    tags: [...ticket.tags],
    type: upper(ticket.type),
    updated_at: ticket.updated_at,
    via: { channel: ticket.via.channel },
  };
}

/** The events of one ticket change; `actorId` is who made it. */
export function ticketEvents(world: ZendeskWorld, change: Change, atMs: number, actorId: number | undefined): TicketEvent[] {
  if (change.object !== 'ticket' || change.kind === 'delete') return [];
  const ticket = world.tickets.get(Number(change.id));
  if (!ticket) return [];
  const parts: Array<[string, Record<string, unknown>]> = [];
  if (change.kind === 'create') parts.push(['ticket.created', {}]);
  else {
    const v = change.values;
    const p = change.previous;
    if ('status' in v) parts.push(['ticket.status_changed', { current: upper(v.status), previous: upper(p.status) }]);
    if ('priority' in v) parts.push(['ticket.priority_changed', { current: upper(v.priority), previous: upper(p.priority) }]);
    if ('subject' in v) parts.push(['ticket.subject_changed', { current: v.subject, previous: p.subject }]);
    const comment = v.comment as { id: number; author_id: number; body: string; public: boolean } | undefined;
    if (comment) {
      const author = world.users.get(comment.author_id);
      parts.push(['ticket.comment_added', { comment: { id: String(comment.id), body: comment.body, is_public: comment.public, author: { id: String(comment.author_id), is_staff: author?.role !== 'end-user', name: author?.name ?? '' } } }]);
    }
  }
  const sequence = randomBytes(16).toString('hex').toUpperCase();
  const detail = ticketDetail(ticket, actorId);
  const time = new Date(atMs).toISOString();
  return parts.map(([name, event], i) => {
    const type = `zen:event-type:${name}`;
    return {
      type,
      ticketId: ticket.id,
      payload: {
        account_id: ZENDESK_ACCOUNT_ID,
        detail,
        event: { ...event, meta: { sequence: { id: sequence, position: i + 1 } } },
        id: randomUUID(),
        subject: `zen:ticket:${ticket.id}`,
        time,
        type,
        zendesk_event_version: '2022-11-06',
      },
    };
  });
}

import { EditError } from '../common/admin.js';
import type { ChangeLog } from '../common/changes.js';
import type { ZdTicket } from './records.js';
import type { Details } from './replies.js';
import { recordTicketChanges, type createTicketWrites } from './ticket-writes.js';
import type { ZendeskWorld } from './world.js';

/**
 * `POST /__sandbox/edit` on Zendesk: `{ object: "ticket", id, values }` saved as an agent would in
 * the agent workspace (the ticket's assignee, else the first agent): status, priority, type,
 * subject, tags, custom_fields, and `comment: {body, public, author_id?}` (a public reply or an
 * internal note). Zendesk's rules hold: a closed ticket cannot change; `closed` can only follow
 * `solved` (as the closing automation does). updated_at moves on the world's clock.
 */

type TicketWrites = ReturnType<typeof createTicketWrites>;

const EDITABLE = new Set(['status', 'priority', 'type', 'subject', 'tags', 'custom_fields', 'comment']);

const describe = (details: Details) =>
  Object.values(details)
    .flat()
    .map((d) => d.description)
    .join('; ');

/** The agent making a change in the agent workspace: the ticket's assignee when it is an agent, else the first agent. */
export function workspaceAgent(world: ZendeskWorld, ticket: ZdTicket): number {
  const assignee = ticket.assignee_id === null ? undefined : world.users.get(ticket.assignee_id);
  if (assignee && assignee.role !== 'end-user' && assignee.id !== world.apiUser.id) return assignee.id;
  const agent = [...world.users.values()].find((u) => u.role === 'agent');
  return agent?.id ?? world.apiUser.id;
}

/** Closes a solved ticket, as Zendesk's closing automation does. */
export function closeTicket(world: ZendeskWorld, log: ChangeLog, ticket: ZdTicket): void {
  const before = structuredClone(ticket);
  ticket.status = 'closed';
  ticket.updated_at = world.tick();
  recordTicketChanges(log, before, ticket, null);
}

/** Applies one edit; throws EditError for an unknown object, ticket or field, or a change Zendesk refuses. */
export function applyZendeskEdit(world: ZendeskWorld, writes: TicketWrites, log: ChangeLog, body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new EditError('an edit is a JSON object {object, id, values}');
  const { object, id, values } = body as Record<string, unknown>;
  if (object !== 'ticket') throw new EditError(`unknown object ${JSON.stringify(object)}; this sandbox edits tickets`);
  const ticket = typeof id === 'number' ? world.tickets.get(id) : undefined;
  if (!ticket) throw new EditError(`ticket ${JSON.stringify(id)} does not exist`);
  if (values === null || typeof values !== 'object' || Array.isArray(values) || Object.keys(values).length === 0) throw new EditError('values must be an object with at least one field');
  const unknown = Object.keys(values).find((k) => !EDITABLE.has(k));
  if (unknown) throw new EditError(`unknown or read-only ticket field ${JSON.stringify(unknown)}`);
  if (ticket.status === 'closed') throw new EditError('Status: closed prevents ticket update');
  const agent = workspaceAgent(world, ticket);
  log.annotate({ actorId: agent });
  const raw = { ...(values as Record<string, unknown>) };
  if (raw.status === 'closed') {
    if (ticket.status !== 'solved' || Object.keys(raw).length > 1) throw new EditError('Status: only a solved ticket can be closed, and closing changes nothing else');
    closeTicket(world, log, ticket);
    return;
  }
  const comment = raw.comment as { author_id?: unknown } | undefined;
  const author = typeof comment?.author_id === 'number' && world.users.has(comment.author_id) ? comment.author_id : agent;
  const applied = writes.applyUpdate(ticket, raw, { authorId: author, channel: 'web' });
  if (!applied.ok) throw new EditError(describe(applied.details));
}

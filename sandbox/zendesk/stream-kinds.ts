import type { ChangeLog } from '../common/changes.js';
import type { StreamKind } from '../common/change-stream.js';
import type { Rng } from '../common/rng.js';
import { closeTicket, workspaceAgent } from './edit.js';
import type { ZdTicket, ZdTicketPriority, ZdTicketStatus } from './records.js';
import type { createTicketWrites } from './ticket-writes.js';
import type { ZendeskWorld } from './world.js';

/**
 * What the scripted change stream does on Zendesk: tickets move through their statuses as agents
 * work them (new to open; open to pending, on-hold or solved; pending back to open or solved;
 * solved reopened, or closed as the automation does), agents reply or leave internal notes and
 * requesters answer (reopening a pending or solved ticket), priorities change. Closed tickets are
 * never touched.
 */

type TicketWrites = ReturnType<typeof createTicketWrites>;

const NEXT: Record<Exclude<ZdTicketStatus, 'closed'>, ZdTicketStatus[]> = {
  new: ['open'],
  open: ['pending', 'pending', 'solved', 'hold'],
  pending: ['open', 'solved'],
  hold: ['open'],
  solved: ['open', 'closed'],
};
const AGENT_REPLIES = ['Thanks, we are looking into it.', 'The replacement part has shipped.', 'Could you send us a photo of the issue?', 'We have credited your account.'];
const NOTES = ['Internal: waiting for the warehouse.', 'Internal: escalated to the supplier.', 'Internal: customer called, see notes.'];
const REQUESTER_REPLIES = ['Any update on this?', 'Thank you, that worked.', 'The problem is back again.', 'Please call me tomorrow.'];
const PRIORITIES: ZdTicketPriority[] = ['low', 'normal', 'high', 'urgent'];
const idLists = new WeakMap<Map<number, ZdTicket>, number[]>();

function openTicket(world: ZendeskWorld, rng: Rng): ZdTicket | undefined {
  let ids = idLists.get(world.tickets);
  if (!ids || ids.length !== world.tickets.size) idLists.set(world.tickets, (ids = [...world.tickets.keys()]));
  for (let i = 0; ids.length > 0 && i < 60; i++) {
    const t = world.tickets.get(rng.pick(ids));
    if (t && t.status !== 'closed') return t;
  }
  return undefined;
}

/** The stream kinds of a Zendesk sandbox over its current world. */
export function zendeskStreamKinds(world: () => ZendeskWorld, writes: TicketWrites, log: ChangeLog): Record<string, StreamKind> {
  const update = (_w: ZendeskWorld, ticket: ZdTicket, raw: Record<string, unknown>, authorId: number) => {
    log.annotate({ actorId: authorId });
    return writes.applyUpdate(ticket, raw, { authorId, channel: 'web' }).ok;
  };
  return {
    'ticket.status': (rng) => {
      const w = world();
      const ticket = openTicket(w, rng);
      if (!ticket) return false;
      const status = rng.pick(NEXT[ticket.status as Exclude<ZdTicketStatus, 'closed'>]);
      if (status === 'closed') {
        log.annotate({ actorId: w.apiUser.id });
        closeTicket(w, log, ticket);
        return true;
      }
      return update(w, ticket, { status }, workspaceAgent(w, ticket));
    },
    'ticket.comment': (rng) => {
      const w = world();
      const ticket = openTicket(w, rng);
      if (!ticket) return false;
      const roll = rng.next();
      if (roll < 0.3) {
        const reopen = ticket.status === 'pending' || ticket.status === 'solved' ? { status: 'open' } : {};
        return update(w, ticket, { comment: { body: rng.pick(REQUESTER_REPLIES), public: true }, ...reopen }, ticket.requester_id);
      }
      const internal = roll < 0.5;
      const opened = ticket.status === 'new' ? { status: 'open' } : {};
      return update(w, ticket, { comment: { body: rng.pick(internal ? NOTES : AGENT_REPLIES), public: !internal }, ...opened }, workspaceAgent(w, ticket));
    },
    'ticket.priority': (rng) => {
      const w = world();
      const ticket = openTicket(w, rng);
      if (!ticket) return false;
      return update(w, ticket, { priority: rng.pick(PRIORITIES.filter((p) => p !== ticket.priority)) }, workspaceAgent(w, ticket));
    },
  };
}

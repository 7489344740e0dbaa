import type DataLoader from 'dataloader';
import { createCachedLoader, monotonicNow, primeRecords } from '../shared/cache/cached-loader.js';
import type { RecordCache, RecordKey, RecordKind, StaleObserver } from '../shared/cache/record-cache.js';
import { SERVICEDESK_KINDS } from '../shared/connectors/servicedesk/record-kinds.js';
import { ownedLoader, ownedMembers, type RowLoader } from '../shared/data-access/owned-loader.js';
import type { RowFilter } from '../shared/data-access/row-filter.js';
import { serviceDeskOwners } from '../shared/data-access/servicedesk-owners.js';
import type { ServiceDeskConnector, ZendeskComment, ZendeskOrganization, ZendeskTicket } from '../shared/connectors/servicedesk/types.js';

/**
 * What the cases resolvers read, every record through the row filter: a partner gets only its
 * own customers' tickets, organizations, lists, counts and comments (null or left out for the
 * rest, as for what does not exist). Each batch is one cache lookup whose misses are one
 * connector call.
 */
export interface CasesLoaders {
  ticket: RowLoader<number, ZendeskTicket>;
  organization: RowLoader<number, ZendeskOrganization>;
  organizationByExternalId: RowLoader<string, ZendeskOrganization>;
  /** An organization's ticket ids, newest first. */
  ticketIdsByOrganization: RowLoader<number, number[]>;
  /** Ids of the tickets citing an order number, newest first (across customers: a partner gets its own customers' only). */
  ticketIdsByOrderNumber: RowLoader<string, number[]>;
  /** A ticket's comments and internal notes, oldest first. */
  comments: RowLoader<number, ZendeskComment[]>;
  openCaseCount: RowLoader<number, number>;
}

/** Zendesk's show_many takes 100 ids: one batch is one call. */
const SHOW_MANY_MAX = 100;

function cachedLoader<K extends RecordKey, V>(cache: RecordCache, kind: RecordKind, load: (keys: K[]) => Promise<Map<K, V | Error>>, stale: StaleObserver): DataLoader<K, V | null> {
  return createCachedLoader(cache, kind, load, stale, SHOW_MANY_MAX);
}

/**
 * Creates the data-access layer of one request over its row filter. Records a call brings back
 * beyond what was asked (the organization found by external id, the tickets a search returned)
 * prime the matching loader, so the same request never fetches them twice.
 */
export function createCasesLoaders(serviceDesk: ServiceDeskConnector, cache: RecordCache, rows: RowFilter): CasesLoaders {
  const stale = rows.observer;
  const ticket = cachedLoader<number, ZendeskTicket>(cache, SERVICEDESK_KINDS.ticket, (ids) => serviceDesk.ticketsByIds(ids), stale);
  const organization = cachedLoader<number, ZendeskOrganization>(cache, SERVICEDESK_KINDS.organization, (ids) => serviceDesk.organizationsByIds(ids), stale);
  const organizationByExternalId = cachedLoader<string, ZendeskOrganization>(
    cache,
    SERVICEDESK_KINDS.organizationByExternalId,
    async (externalIds) => {
      const found = await serviceDesk.organizationsByExternalIds(externalIds);
      for (const org of found.values()) organization.prime(org.id, org);
      return found;
    },
    stale,
  );
  const owners = serviceDeskOwners({ ticket, organization });
  return {
    ticket: ownedLoader(rows, ticket, owners.ticket),
    organization: ownedLoader(rows, organization, owners.organization),
    organizationByExternalId: ownedLoader(rows, organizationByExternalId, owners.organizationByExternalId),
    ticketIdsByOrganization: ownedLoader(rows, cachedLoader<number, number[]>(
      cache,
      SERVICEDESK_KINDS.ticketIdsByOrganization,
      async (orgIds: number[]) => {
        const readStartedAt = monotonicNow();
        // One call per organization, each settled alone: a failed one fails only its customer's cases.
        const found = await serviceDesk.settledTicketsByOrganizationIds(orgIds);
        // The list comes with whole tickets: they serve this request and later ones without a show_many.
        const tickets = new Map<number, ZendeskTicket>();
        for (const list of found.values()) if (Array.isArray(list)) for (const t of list) tickets.set(t.id, t);
        for (const t of tickets.values()) ticket.prime(t.id, t);
        primeRecords(cache, SERVICEDESK_KINDS.ticket, tickets, readStartedAt);
        return new Map([...found].map(([orgId, list]) => [orgId, Array.isArray(list) ? list.map((t) => t.id) : list]));
      },
      stale,
    ), owners.ticketIdsByOrganization),
    ticketIdsByOrderNumber: ownedMembers(rows, cachedLoader(
      cache,
      SERVICEDESK_KINDS.ticketIdsByOrderNumber,
      async (numbers: string[]) => {
        const found = await serviceDesk.ticketsByOrderNumbers(numbers);
        const ids = new Map<string, number[]>();
        for (const [number, tickets] of found) {
          for (const t of tickets) ticket.prime(t.id, t);
          ids.set(number, tickets.map((t) => t.id));
        }
        return ids;
      },
      stale,
    ), SERVICEDESK_KINDS.ticketIdsByOrderNumber, owners.ticketOwner),
    comments: ownedLoader(rows, cachedLoader<number, ZendeskComment[]>(cache, SERVICEDESK_KINDS.commentsByTicket, (ids: number[]) => serviceDesk.settledCommentsByTicketIds(ids), stale), owners.comments),
    openCaseCount: ownedLoader(rows, cachedLoader(cache, SERVICEDESK_KINDS.openCountByOrganization, (orgIds: number[]) => serviceDesk.openCaseCountsByOrganizationIds(orgIds), stale), owners.openCaseCount),
  };
}

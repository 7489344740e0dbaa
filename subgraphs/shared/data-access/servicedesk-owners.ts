import type DataLoader from 'dataloader';
import { SERVICEDESK_KINDS } from '../connectors/servicedesk/record-kinds.js';
import type { ZendeskComment, ZendeskOrganization, ZendeskTicket } from '../connectors/servicedesk/types.js';
import { ownedByKey, ownedByRecord } from './owned-loader.js';
import { NO_OWNER, type Owner } from './row-filter.js';

/** The raw loaders owner lookups read through. */
export interface ServiceDeskOwnerSources {
  ticket: DataLoader<number, ZendeskTicket | null>;
  organization: DataLoader<number, ZendeskOrganization | null>;
}

/**
 * How every service-desk kind finds its customer: an organization is its `external_id` (the
 * Salesforce Account Id); a ticket is its organization's; a ticket's comments are the ticket's;
 * lists and counts keyed by an organization are that organization's; a ticket id in a list by
 * order number is that ticket's.
 */
export function serviceDeskOwners(sources: ServiceDeskOwnerSources) {
  const ofOrganization = async (orgId: number | null): Promise<Owner> => {
    if (orgId === null) return NO_OWNER;
    const org = await sources.organization.load(orgId);
    return { accountId: org?.external_id ?? null, via: [{ kind: SERVICEDESK_KINDS.organization, key: orgId }] };
  };
  const ofTicket = async (ticketId: number): Promise<Owner> => {
    const ticket = await sources.ticket.load(ticketId);
    const owner = ticket ? await ofOrganization(ticket.organization_id) : NO_OWNER;
    return { accountId: owner.accountId, via: [{ kind: SERVICEDESK_KINDS.ticket, key: ticketId }, ...owner.via] };
  };
  return {
    /** A ticket id's owner, for lists of tickets across customers. */
    ticketOwner: ofTicket,
    ticket: ownedByRecord<number, ZendeskTicket>(SERVICEDESK_KINDS.ticket, (ticket) => ofOrganization(ticket.organization_id)),
    organization: ownedByRecord<number, ZendeskOrganization>(SERVICEDESK_KINDS.organization, (org) => ({ accountId: org.external_id, via: [] })),
    organizationByExternalId: ownedByKey<string, ZendeskOrganization>(SERVICEDESK_KINDS.organizationByExternalId, (externalId) => ({ accountId: externalId, via: [] })),
    ticketIdsByOrganization: ownedByKey<number, number[]>(SERVICEDESK_KINDS.ticketIdsByOrganization, ofOrganization),
    openCaseCount: ownedByKey<number, number>(SERVICEDESK_KINDS.openCountByOrganization, ofOrganization),
    comments: ownedByKey<number, ZendeskComment[]>(SERVICEDESK_KINDS.commentsByTicket, ofTicket),
  };
}

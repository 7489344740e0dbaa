import { createRng, hashString, type Rng } from '../common/rng.js';
import { buildSkeleton, WORLD_NOW, type SkeletonCustomer, type WorldOptions, type WorldSkeleton } from '../world/skeleton.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID, ZENDESK_SANDBOX_EMAIL, ZENDESK_SANDBOX_SUBDOMAIN } from './credentials.js';
import type { ZdComment, ZdCustomFieldValue, ZdOrganization, ZdTicket, ZdTicketField, ZdTicketPriority, ZdTicketStatus, ZdTicketType, ZdUser, ZdVia } from './records.js';

/** The record URLs name the Zendesk host, as the real API does; pagination links use the request's host instead. */
const API_BASE = `https://${ZENDESK_SANDBOX_SUBDOMAIN}.zendesk.com/api/v2`;
/** First ticket id; ids grow with creation time, as in Zendesk. */
export const FIRST_TICKET_ID = 10001;
/** Id of the sandbox's API user (`agent@retail.example`). */
export const API_AGENT_ID = 900000001;
const FIRST_END_USER_ID = 910000001;
const GROUP_ID = 360000100001;
const BRAND_ID = 360000200001;

const FIRST_NAMES = ['Alex', 'Maria', 'Jonas', 'Priya', 'Tom', 'Sofia', 'Liam', 'Nora', 'Omar', 'Greta', 'Hugo', 'Ines', 'Kenji', 'Lena', 'Mateo', 'Yara'];
const LAST_NAMES = ['Berg', 'Costa', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hansen', 'Ivanova', 'Jensen', 'Kowalski', 'Lopez', 'Meyer', 'Novak', 'Olsen', 'Petit', 'Quinn'];
const AGENT_NAMES = ['Sam Carter', 'Robin Achterberg', 'Kim Sørensen', 'Jules Martin', 'Dana Whitfield'];
const PRODUCTS = ['Trail 500 bike', 'City Cruiser', 'Carbon Road 9', 'Kids Balance Bike', 'Helmet Pro', 'Rack Mount XL', 'E-Bike Battery 625Wh', 'Tubeless Tyre Kit'];

interface Template {
  subject: string;
  description: string;
  type: ZdTicketType | null;
  tags: string[];
}
const ORDER_TEMPLATES: Template[] = [
  { subject: 'Order {order} arrived damaged', description: 'Two boxes of order {order} arrived with crushed corners and the {product} inside is scratched. Please advise on a replacement.', type: 'incident', tags: ['damaged', 'delivery'] },
  { subject: 'Where is my order {order}?', description: 'We placed order {order} a while ago and have no tracking information yet. When will it ship?', type: 'question', tags: ['delivery', 'where_is_my_order'] },
  { subject: 'Wrong item in order {order}', description: 'Order {order} contained a {product} we did not order. How do we return it?', type: 'incident', tags: ['wrong_item', 'returns'] },
  { subject: 'Invoice question about order {order}', description: 'The invoice for order {order} shows a different unit price for the {product} than agreed.', type: 'question', tags: ['billing'] },
  { subject: 'Partial delivery for {order}', description: 'Only part of order {order} was delivered; the {product} is missing from the shipment.', type: 'problem', tags: ['delivery', 'partial'] },
  { subject: 'Please cancel order {order}', description: 'Our store no longer needs order {order}. Please cancel it before it ships.', type: 'task', tags: ['cancellation'] },
];
const GENERAL_TEMPLATES: Template[] = [
  { subject: 'Cannot log in to the dealer portal', description: 'Since this morning our staff cannot log in to the dealer portal; the password reset email never arrives.', type: 'problem', tags: ['portal', 'login'] },
  { subject: 'Request for the updated price list', description: 'Could you send us the price list for next season, including the {product}?', type: 'question', tags: ['pricing'] },
  { subject: 'Warranty claim for {product}', description: 'A customer returned a {product} with a cracked frame after three months. We would like to file a warranty claim.', type: 'incident', tags: ['warranty'] },
  { subject: 'Bulk discount inquiry', description: 'We plan to order fifty units of the {product}. Is a volume discount available?', type: 'question', tags: ['pricing', 'sales'] },
  { subject: 'Change of billing address', description: 'Our billing address has changed. Please update it for future invoices.', type: 'task', tags: ['billing', 'account'] },
  { subject: 'Is the {product} back in stock soon?', description: 'The {product} has been out of stock for weeks. Do you have a restock date?', type: 'question', tags: ['stock'] },
  { subject: 'Spare parts for {product}', description: 'We need spare brake pads and a derailleur hanger for the {product}. Which part numbers should we order?', type: 'question', tags: ['parts'] },
];
const AGENT_REPLIES = [
  'Thanks for reaching out. I am looking into this now and will get back to you shortly.',
  'I have checked with the warehouse; the shipment left yesterday and should arrive within two working days.',
  'We have issued a replacement at no cost. You will receive a confirmation email.',
  'Could you send us photos of the packaging and the serial number, please?',
  'The updated document is attached to your account page.',
];
const REQUESTER_REPLIES = [
  'Thank you, that helps a lot.',
  'Here are the photos you asked for. The serial number is on the second picture.',
  'Any update on this? Our customer is waiting.',
  'Received, everything looks fine now.',
];
const INTERNAL_NOTES = [
  'Internal: customer is on the key-account list, prioritise.',
  'Internal: warehouse confirmed the pallet was damaged in transit; claim filed with the carrier.',
  'Internal: credit note approved by finance.',
  'Internal: duplicate of an earlier request, merged notes here.',
];

/** What the world keeps about a seeded ticket to regenerate its comments on demand. */
interface CommentPlan {
  count: number;
  stepSeconds: number;
  requesterId: number;
  agentId: number;
}

/** The Zendesk data of the seeded world, with its indexes and the writes made since the last reset. */
export interface ZendeskWorld {
  skeleton: WorldSkeleton;
  organizations: Map<number, ZdOrganization>;
  organizationsByExternalId: Map<string, ZdOrganization>;
  users: Map<number, ZdUser>;
  usersByEmail: Map<string, ZdUser>;
  /** The API user (`agent@retail.example`). */
  apiUser: ZdUser;
  /** Tickets by id, in id order. */
  tickets: Map<number, ZdTicket>;
  /** Ticket ids by organization id, ascending. */
  ticketIdsByOrganization: Map<number, number[]>;
  /** Ticket ids by requester id, ascending. */
  ticketIdsByRequester: Map<number, number[]>;
  /** Ticket ids citing an order number (the "Order number" custom field), ascending. */
  ticketIdsByOrderNumber: Map<string, number[]>;
  ticketFields: ZdTicketField[];
  /** Comments of a ticket, oldest first (generated on demand for seeded tickets). */
  commentsOf(ticketId: number): ZdComment[];
  /** Creates a ticket from validated values; returns it with its first comment. */
  insertTicket(values: NewTicketValues): { ticket: ZdTicket; comment: ZdComment };
  /** Appends a comment and touches the ticket; `channel` is where it was written (`api` unless an agent used the web UI). */
  appendComment(ticket: ZdTicket, body: string, isPublic: boolean, authorId: number, channel?: 'api' | 'web'): ZdComment;
  /** Creates an end user (for `requester: {name, email}`). */
  insertUser(name: string, email: string, organizationId: number | null): ZdUser;
  /** The world's clock: WORLD_NOW plus one second per write, so that written timestamps are deterministic. */
  tick(): string;
}

/** Validated values of a new ticket. */
export interface NewTicketValues {
  subject: string | null;
  body: string;
  isPublic: boolean;
  requesterId: number;
  submitterId: number;
  organizationId: number | null;
  priority: ZdTicketPriority | null;
  type: ZdTicketType | null;
  status: ZdTicketStatus;
  externalId: string | null;
  tags: string[];
  customFields: ZdCustomFieldValue[];
  assigneeId: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What differs between tickets; the rest of a ticket is the same for every one. */
interface TicketValues {
  id: number;
  externalId: string | null;
  via: ZdTicket['via'];
  createdAt: string;
  updatedAt: string;
  type: ZdTicket['type'];
  subject: string;
  description: string;
  priority: ZdTicket['priority'];
  status: ZdTicket['status'];
  requesterId: number;
  submitterId: number;
  assigneeId: number | null;
  organizationId: number | null;
  isPublic: boolean;
  tags: string[];
  customFields: ZdCustomFieldValue[];
}

/** A whole ticket as Zendesk shows it; an assigned ticket is in the support group. */
function ticketRecord(v: TicketValues): ZdTicket {
  return {
    url: `${API_BASE}/tickets/${v.id}.json`,
    id: v.id,
    external_id: v.externalId,
    via: v.via,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
    type: v.type,
    subject: v.subject,
    raw_subject: v.subject,
    description: v.description,
    priority: v.priority,
    status: v.status,
    recipient: null,
    requester_id: v.requesterId,
    submitter_id: v.submitterId,
    assignee_id: v.assigneeId,
    organization_id: v.organizationId,
    group_id: v.assigneeId === null ? null : GROUP_ID,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    forum_topic_id: null,
    problem_id: null,
    has_incidents: false,
    is_public: v.isPublic,
    due_at: null,
    tags: v.tags,
    custom_fields: v.customFields,
    satisfaction_rating: null,
    sharing_agreement_ids: [],
    fields: v.customFields.map((f) => ({ ...f })),
    followup_ids: [],
    brand_id: BRAND_ID,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
}
const fill = (text: string, values: Record<string, string>) => text.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const html = (text: string) => `<div class="zd-comment" dir="auto"><p dir="auto">${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p></div>`;
const webVia = (): ZdVia => ({ channel: 'web', source: { from: {}, to: {}, rel: null } });
const apiVia = (): ZdVia => ({ channel: 'api', source: { from: {}, to: {}, rel: null } });

function makeUser(id: number, name: string, email: string, role: ZdUser['role'], organizationId: number | null, at: string): ZdUser {
  return {
    url: `${API_BASE}/users/${id}.json`,
    id,
    name,
    email,
    created_at: at,
    updated_at: at,
    time_zone: 'Amsterdam',
    iana_time_zone: 'Europe/Amsterdam',
    phone: null,
    locale: 'en-US',
    locale_id: 1,
    organization_id: organizationId,
    role,
    verified: true,
    external_id: null,
    tags: [],
    active: true,
    shared: false,
    suspended: false,
    details: '',
    notes: '',
    role_type: role === 'end-user' ? null : 0,
    custom_role_id: null,
    moderator: role !== 'end-user',
    ticket_restriction: role === 'end-user' ? 'requested' : null,
    only_private_comments: false,
    restricted_agent: false,
    default_group_id: role === 'end-user' ? null : GROUP_ID,
    user_fields: {},
  };
}

function drawStatus(rng: Rng, ageDays: number): ZdTicketStatus {
  const roll = rng.next();
  if (ageDays > 90) return roll < 0.55 ? 'closed' : roll < 0.9 ? 'solved' : roll < 0.96 ? 'pending' : 'open';
  if (ageDays > 20) return roll < 0.2 ? 'closed' : roll < 0.5 ? 'solved' : roll < 0.7 ? 'open' : roll < 0.85 ? 'pending' : roll < 0.93 ? 'hold' : 'new';
  return roll < 0.25 ? 'new' : roll < 0.6 ? 'open' : roll < 0.75 ? 'pending' : roll < 0.85 ? 'hold' : 'solved';
}

function drawPriority(rng: Rng): ZdTicketPriority | null {
  const roll = rng.next();
  return roll < 0.05 ? 'urgent' : roll < 0.25 ? 'high' : roll < 0.75 ? 'normal' : roll < 0.9 ? 'low' : null;
}

/** A seeded ticket before ids are assigned (ids follow creation time). */
interface Draft {
  customer: SkeletonCustomer;
  createdMs: number;
  template: Template;
  values: Record<string, string>;
  orderNumber: string | null;
  status: ZdTicketStatus;
  priority: ZdTicketPriority | null;
  requesterId: number;
  agentId: number;
  plan: Omit<CommentPlan, 'requesterId' | 'agentId'>;
}

/** Builds the Zendesk world from the shared skeleton. Deterministic in (seed, customers). */
export function buildZendeskWorld(options: WorldOptions = {}): ZendeskWorld {
  const skeleton = buildSkeleton(options);
  const seed = skeleton.seed;
  const nowMs = WORLD_NOW.getTime();
  const orgCreated = iso(nowMs - 900 * 86_400_000);

  const organizations = new Map<number, ZdOrganization>();
  const organizationsByExternalId = new Map<string, ZdOrganization>();
  const users = new Map<number, ZdUser>();
  const usersByEmail = new Map<string, ZdUser>();
  const addUser = (user: ZdUser) => {
    users.set(user.id, user);
    usersByEmail.set(user.email.toLowerCase(), user);
  };

  const apiUser = makeUser(API_AGENT_ID, 'Retail API Agent', ZENDESK_SANDBOX_EMAIL, 'admin', null, orgCreated);
  addUser(apiUser);
  const agentIds: number[] = [];
  AGENT_NAMES.forEach((name, i) => {
    const id = API_AGENT_ID + 1 + i;
    agentIds.push(id);
    addUser(makeUser(id, name, `${slug(name).replace(/-/g, '.')}@retail.example`, 'agent', null, orgCreated));
  });

  let userSeq = FIRST_END_USER_ID;
  const requestersByOrg = new Map<number, number[]>();
  const drafts: Draft[] = [];
  for (const customer of skeleton.customers) {
    const rng = createRng(hashString(`${seed}:zendesk:${customer.index}`));
    const domain = `${slug(customer.name)}.example`;
    const org: ZdOrganization = {
      url: `${API_BASE}/organizations/${customer.zendeskOrgId}.json`,
      id: customer.zendeskOrgId,
      name: customer.name,
      shared_tickets: false,
      shared_comments: false,
      external_id: customer.accountId,
      created_at: orgCreated,
      updated_at: orgCreated,
      domain_names: [domain],
      details: `${customer.industry} customer`,
      notes: '',
      group_id: null,
      tags: customer.resellerIndex === null ? ['direct'] : ['reseller_channel'],
      organization_fields: {},
    };
    organizations.set(org.id, org);
    organizationsByExternalId.set(customer.accountId, org);

    const requesterIds: number[] = [];
    const requesterCount = rng.int(1, 3);
    for (let k = 0; k < requesterCount; k++) {
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      const id = userSeq++;
      addUser(makeUser(id, `${first} ${last}`, `${first}.${last}${k > 0 ? k + 1 : ''}@${domain}`.toLowerCase(), 'end-user', org.id, orgCreated));
      requesterIds.push(id);
    }
    requestersByOrg.set(org.id, requesterIds);

    for (let k = 0; k < customer.ticketCount; k++) {
      const ageDays = rng.int(0, 400);
      const createdMs = nowMs - ageDays * 86_400_000 - rng.int(3600, 86_000) * 1000;
      // Well-known customers cite an order on their first ticket so that docs and tests have one.
      const citesOrder = customer.orders.length > 0 && ((customer.index < 10 && k === 0) || rng.chance(0.4));
      const orderNumber = citesOrder ? rng.pick(customer.orders).number : null;
      const template = citesOrder ? rng.pick(ORDER_TEMPLATES) : rng.pick(GENERAL_TEMPLATES);
      const status = drawStatus(rng, ageDays);
      const count = rng.int(1, 5);
      // Comments are spaced so that the last one lands before WORLD_NOW.
      const spanSeconds = Math.max(60, Math.floor((nowMs - createdMs) / 1000) - 60);
      drafts.push({
        customer,
        createdMs,
        template,
        values: { order: orderNumber ?? '', product: rng.pick(PRODUCTS), customer: customer.name },
        orderNumber,
        status,
        priority: drawPriority(rng),
        requesterId: rng.pick(requesterIds),
        agentId: rng.pick(agentIds),
        plan: { count, stepSeconds: Math.max(1, Math.min(6 * 3600, Math.floor(spanSeconds / count))) },
      });
    }
  }

  drafts.sort((a, b) => a.createdMs - b.createdMs || a.customer.index - b.customer.index);
  const tickets = new Map<number, ZdTicket>();
  const plans = new Map<number, CommentPlan>();
  const ticketIdsByOrganization = new Map<number, number[]>();
  const ticketIdsByRequester = new Map<number, number[]>();
  const ticketIdsByOrderNumber = new Map<string, number[]>();
  const push = <K>(map: Map<K, number[]>, key: K, id: number) => {
    const list = map.get(key);
    if (list) list.push(id);
    else map.set(key, [id]);
  };
  const index = (ticket: ZdTicket) => {
    tickets.set(ticket.id, ticket);
    if (ticket.organization_id !== null) push(ticketIdsByOrganization, ticket.organization_id, ticket.id);
    push(ticketIdsByRequester, ticket.requester_id, ticket.id);
    const order = ticket.custom_fields.find((f) => f.id === ZENDESK_ORDER_NUMBER_FIELD_ID)?.value;
    if (typeof order === 'string' && order) push(ticketIdsByOrderNumber, order.toUpperCase(), ticket.id);
  };

  let nextTicketId = FIRST_TICKET_ID;
  for (const draft of drafts) {
    const id = nextTicketId++;
    const subject = fill(draft.template.subject, draft.values);
    const lastCommentMs = draft.createdMs + (draft.plan.count - 1) * draft.plan.stepSeconds * 1000;
    const closedLater = draft.status === 'solved' || draft.status === 'closed' ? 3600_000 : 0;
    const updatedMs = Math.min(nowMs, lastCommentMs + closedLater);
    const fields: ZdCustomFieldValue[] = [{ id: ZENDESK_ORDER_NUMBER_FIELD_ID, value: draft.orderNumber }];
    const ticket = ticketRecord({
      id,
      externalId: null,
      via: webVia(),
      createdAt: iso(draft.createdMs),
      updatedAt: iso(updatedMs),
      type: draft.template.type,
      subject,
      description: fill(draft.template.description, draft.values),
      priority: draft.priority,
      status: draft.status,
      requesterId: draft.requesterId,
      submitterId: draft.requesterId,
      assigneeId: draft.status === 'new' ? null : draft.agentId,
      organizationId: draft.customer.zendeskOrgId,
      isPublic: true,
      tags: [...draft.template.tags],
      customFields: fields,
    });
    plans.set(id, { ...draft.plan, requesterId: draft.requesterId, agentId: draft.agentId });
    index(ticket);
  }

  const ticketFields: ZdTicketField[] = [
    ['subject', 'Subject'],
    ['description', 'Description'],
    ['status', 'Status'],
    ['tickettype', 'Type'],
    ['priority', 'Priority'],
    ['group', 'Group'],
    ['assignee', 'Assignee'],
  ].map(([type, title], i) => ({
    url: `${API_BASE}/ticket_fields/${360000000100 + i}.json`,
    id: 360000000100 + i,
    type: type!,
    title: title!,
    raw_title: title!,
    description: '',
    position: i,
    active: true,
    required: type === 'subject' || type === 'description',
    visible_in_portal: true,
    editable_in_portal: type === 'subject' || type === 'description',
    removable: false,
    created_at: orgCreated,
    updated_at: orgCreated,
  }));
  ticketFields.push({
    url: `${API_BASE}/ticket_fields/${ZENDESK_ORDER_NUMBER_FIELD_ID}.json`,
    id: ZENDESK_ORDER_NUMBER_FIELD_ID,
    type: 'text',
    title: 'Order number',
    raw_title: 'Order number',
    description: 'The sales order (S00042) the ticket is about',
    position: ticketFields.length,
    active: true,
    required: false,
    visible_in_portal: true,
    editable_in_portal: true,
    removable: true,
    created_at: orgCreated,
    updated_at: orgCreated,
  });

  // Comments written since the last reset, and the materialized comments of tickets that got one.
  const writtenComments = new Map<number, ZdComment[]>();
  let clockSeconds = 0;
  const tick = () => iso(nowMs + ++clockSeconds * 1000);

  const generateComments = (ticket: ZdTicket): ZdComment[] => {
    const plan = plans.get(ticket.id);
    if (!plan) return [];
    const rng = createRng(hashString(`${seed}:comments:${ticket.id}`));
    const createdMs = Date.parse(ticket.created_at);
    const comments: ZdComment[] = [];
    for (let k = 0; k < plan.count; k++) {
      const first = k === 0;
      const byAgent = !first && k % 2 === 1;
      const internal = byAgent && rng.chance(0.35);
      const body = first ? ticket.description : internal ? rng.pick(INTERNAL_NOTES) : byAgent ? rng.pick(AGENT_REPLIES) : rng.pick(REQUESTER_REPLIES);
      comments.push(makeComment(ticket.id, k, first ? plan.requesterId : byAgent ? plan.agentId : plan.requesterId, body, !internal, iso(createdMs + k * plan.stepSeconds * 1000), first ? webVia() : webVia()));
    }
    return comments;
  };

  const world: ZendeskWorld = {
    skeleton,
    organizations,
    organizationsByExternalId,
    users,
    usersByEmail,
    apiUser,
    tickets,
    ticketIdsByOrganization,
    ticketIdsByRequester,
    ticketIdsByOrderNumber,
    ticketFields,
    commentsOf(ticketId) {
      const written = writtenComments.get(ticketId);
      if (written) return written;
      const ticket = tickets.get(ticketId);
      return ticket ? generateComments(ticket) : [];
    },
    insertTicket(values) {
      const id = nextTicketId++;
      const at = tick();
      const subject = values.subject ?? (values.body.split('\n')[0] ?? '').slice(0, 80);
      const fields = values.customFields;
      const ticket = ticketRecord({
        id,
        externalId: values.externalId,
        via: apiVia(),
        createdAt: at,
        updatedAt: at,
        type: values.type,
        subject,
        description: values.body,
        priority: values.priority,
        status: values.status,
        requesterId: values.requesterId,
        submitterId: values.submitterId,
        assigneeId: values.assigneeId,
        organizationId: values.organizationId,
        isPublic: values.isPublic,
        tags: values.tags,
        customFields: fields,
      });
      index(ticket);
      const comment = makeComment(id, 0, values.submitterId, values.body, values.isPublic, at, apiVia());
      writtenComments.set(id, [comment]);
      return { ticket, comment };
    },
    appendComment(ticket, body, isPublic, authorId, channel = 'api') {
      const comments = [...world.commentsOf(ticket.id)];
      const at = tick();
      const comment = makeComment(ticket.id, comments.length, authorId, body, isPublic, at, channel === 'web' ? webVia() : apiVia());
      comments.push(comment);
      writtenComments.set(ticket.id, comments);
      ticket.updated_at = at;
      return comment;
    },
    insertUser(name, email, organizationId) {
      const user = makeUser(userSeq++, name, email.toLowerCase(), 'end-user', organizationId, tick());
      addUser(user);
      return user;
    },
    tick,
  };
  return world;
}

/** Comment ids derive from the ticket id and the comment's position, so they are stable and unique. */
function makeComment(ticketId: number, position: number, authorId: number, body: string, isPublic: boolean, at: string, via: ZdVia): ZdComment {
  return {
    id: ticketId * 1000 + position,
    type: 'Comment',
    author_id: authorId,
    body,
    html_body: html(body),
    plain_body: body,
    public: isPublic,
    attachments: [],
    audit_id: ticketId * 1000 + 500 + position,
    via,
    created_at: at,
    metadata: { system: {}, custom: {} },
  };
}

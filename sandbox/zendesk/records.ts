/** Wire shapes of the Zendesk Support API v2 records the sandbox serves (snake_case, as Zendesk sends them). */

/** `via` of a ticket or comment. */
export interface ZdVia {
  channel: string;
  source: { from: Record<string, unknown>; to: Record<string, unknown>; rel: string | null };
}

/** A ticket custom field value. */
export interface ZdCustomFieldValue {
  id: number;
  value: string | number | boolean | null;
}

export type ZdTicketStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
export type ZdTicketPriority = 'urgent' | 'high' | 'normal' | 'low';
export type ZdTicketType = 'problem' | 'incident' | 'question' | 'task';

/** A ticket. */
export interface ZdTicket {
  url: string;
  id: number;
  external_id: string | null;
  via: ZdVia;
  created_at: string;
  updated_at: string;
  type: ZdTicketType | null;
  subject: string | null;
  raw_subject: string | null;
  description: string;
  priority: ZdTicketPriority | null;
  status: ZdTicketStatus;
  recipient: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  collaborator_ids: number[];
  follower_ids: number[];
  email_cc_ids: number[];
  forum_topic_id: number | null;
  problem_id: number | null;
  has_incidents: boolean;
  is_public: boolean;
  due_at: string | null;
  tags: string[];
  custom_fields: ZdCustomFieldValue[];
  satisfaction_rating: null;
  sharing_agreement_ids: number[];
  fields: ZdCustomFieldValue[];
  followup_ids: number[];
  brand_id: number;
  allow_channelback: boolean;
  allow_attachments: boolean;
  from_messaging_channel: boolean;
}

/** A ticket comment. */
export interface ZdComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  attachments: unknown[];
  audit_id: number;
  via: ZdVia;
  created_at: string;
  metadata: { system: Record<string, unknown>; custom: Record<string, unknown> };
}

/** An organization. */
export interface ZdOrganization {
  url: string;
  id: number;
  name: string;
  shared_tickets: boolean;
  shared_comments: boolean;
  external_id: string | null;
  created_at: string;
  updated_at: string;
  domain_names: string[];
  details: string;
  notes: string;
  group_id: number | null;
  tags: string[];
  organization_fields: Record<string, unknown>;
}

/** A user (agent or end user). */
export interface ZdUser {
  url: string;
  id: number;
  name: string;
  email: string;
  created_at: string;
  updated_at: string;
  time_zone: string;
  iana_time_zone: string;
  phone: string | null;
  locale: string;
  locale_id: number;
  organization_id: number | null;
  role: 'end-user' | 'agent' | 'admin';
  verified: boolean;
  external_id: string | null;
  tags: string[];
  active: boolean;
  shared: boolean;
  suspended: boolean;
  details: string;
  notes: string;
  role_type: number | null;
  custom_role_id: number | null;
  moderator: boolean;
  ticket_restriction: string | null;
  only_private_comments: boolean;
  restricted_agent: boolean;
  default_group_id: number | null;
  user_fields: Record<string, unknown>;
}

/** A ticket field definition (`GET /ticket_fields`). */
export interface ZdTicketField {
  url: string;
  id: number;
  type: string;
  title: string;
  raw_title: string;
  description: string;
  position: number;
  active: boolean;
  required: boolean;
  visible_in_portal: boolean;
  editable_in_portal: boolean;
  removable: boolean;
  created_at: string;
  updated_at: string;
}

/** The order of ticket statuses, for `status<solved` and friends. */
export const STATUS_ORDER: readonly ZdTicketStatus[] = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
/** The order of priorities, for `priority>normal`. */
export const PRIORITY_ORDER: readonly ZdTicketPriority[] = ['low', 'normal', 'high', 'urgent'];
/** Ticket types Zendesk accepts. */
export const TICKET_TYPES: readonly ZdTicketType[] = ['problem', 'incident', 'question', 'task'];

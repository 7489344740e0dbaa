import { describe, expect, it } from 'vitest';
import type { ZendeskComment, ZendeskTicket } from '../shared/connectors/servicedesk/types.js';
import { parseCaseId, splitComments, toCase, toCasePriority, toCaseStatus, toZendeskPriority } from './mappers.js';

const ticket = (patch: Partial<ZendeskTicket> = {}): ZendeskTicket => ({
  id: 10001,
  external_id: null,
  type: 'question',
  subject: 'Where is my order S00042?',
  description: 'We placed order S00042.',
  priority: 'high',
  status: 'pending',
  requester_id: 1,
  assignee_id: null,
  organization_id: 360000000,
  tags: [],
  custom_fields: [{ id: 7, value: 'S00042' }],
  created_at: '2026-10-01T10:00:00Z',
  updated_at: '2026-10-02T10:00:00Z',
  ...patch,
});

describe('cases mappers', () => {
  it('maps every status and priority, and back', () => {
    expect(['new', 'open', 'pending', 'hold', 'solved', 'closed'].map(toCaseStatus)).toEqual(['NEW', 'OPEN', 'PENDING', 'HOLD', 'SOLVED', 'CLOSED']);
    expect(toCaseStatus('some_custom_status')).toBe('OPEN');
    expect(['urgent', 'high', 'normal', 'low', null, 'weird'].map(toCasePriority)).toEqual(['URGENT', 'HIGH', 'NORMAL', 'LOW', null, null]);
    expect((['URGENT', 'HIGH', 'NORMAL', 'LOW'] as const).map(toZendeskPriority)).toEqual(['urgent', 'high', 'normal', 'low']);
  });

  it('maps a ticket to a case, reading the order-number field', () => {
    expect(toCase(ticket(), 7)).toEqual({
      id: '10001',
      ticketId: 10001,
      subject: 'Where is my order S00042?',
      description: 'We placed order S00042.',
      status: 'PENDING',
      priority: 'HIGH',
      createdAt: '2026-10-01T10:00:00Z',
      updatedAt: '2026-10-02T10:00:00Z',
      organizationId: 360000000,
      orderNumber: 'S00042',
    });
    expect(toCase(ticket({ custom_fields: [{ id: 7, value: null }] }), 7).orderNumber).toBeNull();
    expect(toCase(ticket(), 8).orderNumber).toBeNull();
    expect(toCase(ticket({ subject: null, description: 'First line\nsecond' }), 7).subject).toBe('First line');
    expect(toCase(ticket({ subject: '  ', description: null }), 7).subject).toBe('Ticket 10001');
  });

  it('splits public comments from internal notes, oldest first', () => {
    const c = (id: number, isPublic: boolean, at: string): ZendeskComment => ({ id, type: 'Comment', author_id: 5, body: `b${id}`, public: isPublic, created_at: at });
    const { publicComments, internalComments } = splitComments([c(3, true, '2026-01-03T00:00:00Z'), c(1, true, '2026-01-01T00:00:00Z'), c(2, false, '2026-01-02T00:00:00Z')]);
    expect(publicComments.map((x) => x.id)).toEqual(['1', '3']);
    expect(internalComments).toEqual([{ id: '2', body: 'b2', public: false, authorId: '5', createdAt: '2026-01-02T00:00:00Z' }]);
  });

  it('accepts only positive integer case ids', () => {
    expect(parseCaseId('10001')).toBe(10001);
    for (const bad of ['0', '-1', '1.5', 'abc', '', ' 1', '01', '1e5', '99999999999999999999', '1; DROP']) expect(parseCaseId(bad)).toBeNull();
  });
});

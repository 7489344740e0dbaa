import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../common/server.js';
import { ZENDESK_ORDER_NUMBER_FIELD_ID, createZendeskSandbox } from './index.js';
import { STATUS_ORDER, type ZdTicket } from './records.js';
import { parseSearchQuery } from './search.js';
import { zdFetch } from './test-helpers.js';

const CF = `custom_field_${ZENDESK_ORDER_NUMBER_FIELD_ID}`;

describe('search query parser', () => {
  it('splits keywords, operators, quoted values, phrases, negations and words', () => {
    const parsed = parseSearchQuery('type:ticket status<solved -tags:vip "exact phrase" subject:"two words" brake* order_by:updated sort:asc');
    expect([...parsed.types]).toEqual(['ticket']);
    expect(parsed.orderBy).toBe('updated');
    expect(parsed.sortDescending).toBe(false);
    expect(parsed.terms).toEqual([
      { negated: false, key: 'status', op: '<', value: 'solved', quoted: false },
      { negated: true, key: 'tags', op: ':', value: 'vip', quoted: false },
      { negated: false, key: null, op: null, value: 'exact phrase', quoted: true },
      { negated: false, key: 'subject', op: ':', value: 'two words', quoted: true },
      { negated: false, key: null, op: null, value: 'brake*', quoted: false },
    ]);
  });

  it('never throws on odd input', () => {
    for (const q of ['"', 'status:', ':::', '-', '""', 'a:"unterminated', '\\" OR 1=1 --']) expect(() => parseSearchQuery(q)).not.toThrow();
  });
});

describe('GET /search over the sandbox', () => {
  const sandbox = createZendeskSandbox();
  let running: RunningSandbox;
  const world = () => sandbox.world;
  const q = async (query: string, extra = '') => (await zdFetch(running, `/search.json?query=${encodeURIComponent(query)}${extra}`)).body;
  const ids = (body: { results: { id: number }[] }) => body.results.map((r) => r.id).sort((a, b) => a - b);
  const tickets = (pred: (t: ZdTicket) => boolean) => [...world().tickets.values()].filter(pred).map((t) => t.id).sort((a, b) => a - b);

  beforeAll(async () => {
    running = await sandbox.listen(0);
  });
  afterAll(() => running.close());

  it('filters by organization and status comparisons over new<open<pending<hold<solved<closed', async () => {
    const org = world().organizationsByExternalId.get(world().skeleton.examples.manyOrders)!.id;
    const all = await q(`type:ticket organization:${org}`);
    expect(ids(all)).toEqual(tickets((t) => t.organization_id === org));
    expect(all.results.every((r: { result_type: string }) => r.result_type === 'ticket')).toBe(true);
    const rank = (s: string) => STATUS_ORDER.indexOf(s as never);
    for (const [op, pred] of [
      ['<', (s: string) => rank(s) < rank('solved')],
      ['<=', (s: string) => rank(s) <= rank('pending')],
      ['>', (s: string) => rank(s) > rank('open')],
      ['>=', (s: string) => rank(s) >= rank('hold')],
    ] as const) {
      const value = op === '<' ? 'solved' : op === '<=' ? 'pending' : op === '>' ? 'open' : 'hold';
      expect(ids(await q(`type:ticket status${op}${value}`, '&per_page=100')).length).toBe(Math.min(100, tickets((t) => pred(t.status)).length));
      expect((await zdFetch(running, `/search/count.json?query=${encodeURIComponent(`type:ticket status${op}${value}`)}`)).body.count).toBe(tickets((t) => pred(t.status)).length);
    }
  });

  it('ORs a repeated keyword and ANDs different keywords', async () => {
    const [a, b] = [world().skeleton.customers[0]!.zendeskOrgId, world().skeleton.customers[1]!.zendeskOrgId];
    expect(ids(await q(`type:ticket organization:${a} organization:${b}`))).toEqual(tickets((t) => t.organization_id === a || t.organization_id === b));
    expect(ids(await q(`type:ticket organization:${a} organization:${b} status:open status:pending`))).toEqual(
      tickets((t) => (t.organization_id === a || t.organization_id === b) && (t.status === 'open' || t.status === 'pending')),
    );
    const numbers = [...world().ticketIdsByOrderNumber.keys()].slice(0, 2);
    expect(ids(await q(`type:ticket ${CF}:${numbers[0]} ${CF}:"${numbers[1]}"`))).toEqual(
      tickets((t) => numbers.includes(String(t.custom_fields[0]?.value))),
    );
    expect(ids(await q(`type:ticket organization:${a} -status:closed`))).toEqual(tickets((t) => t.organization_id === a && t.status !== 'closed'));
  });

  it('matches requester by id or email, free text by word prefix and quoted phrases', async () => {
    const t = world().tickets.get(10001)!;
    const requester = world().users.get(t.requester_id)!;
    expect(ids(await q(`type:ticket requester:${requester.id}`))).toEqual(tickets((x) => x.requester_id === requester.id));
    expect(ids(await q(`type:ticket requester:${requester.email}`))).toEqual(tickets((x) => x.requester_id === requester.id));
    const warranty = tickets((x) => /warranty/i.test(`${x.subject} ${x.description}`));
    expect(warranty.length).toBeGreaterThan(0);
    expect((await zdFetch(running, `/search/count.json?query=${encodeURIComponent('type:ticket warr')}`)).body.count).toBe(warranty.length);
    expect((await zdFetch(running, `/search/count.json?query=${encodeURIComponent('type:ticket arranty')}`)).body.count).toBe(0);
    const phrase = tickets((x) => `${x.subject} ${x.description}`.toLowerCase().includes('cracked frame'));
    expect((await zdFetch(running, `/search/count.json?query=${encodeURIComponent('type:ticket "cracked frame"')}`)).body.count).toBe(phrase.length);
    expect((await zdFetch(running, `/search/count.json?query=${encodeURIComponent('type:ticket "frame cracked"')}`)).body.count).toBe(0);
  });

  it('searches organizations and users, labelling result_type', async () => {
    const { manyOrders } = world().skeleton.examples;
    const orgs = await q(`type:organization external_id:${manyOrders}`);
    expect(orgs.results).toHaveLength(1);
    expect(orgs.results[0]).toMatchObject({ result_type: 'organization', external_id: manyOrders });
    const users = await q('type:user email:agent@retail.example');
    expect(users.results[0]).toMatchObject({ result_type: 'user', role: 'admin' });
  });

  it('caps results at 1000: count stays exact, paging past it is refused', async () => {
    const total = world().tickets.size;
    expect(total).toBeGreaterThan(1000);
    const page10 = await q('type:ticket', '&page=10&per_page=100');
    expect(page10.count).toBe(total);
    expect(page10.results).toHaveLength(100);
    expect(page10.next_page).toBeNull();
    expect((await zdFetch(running, `/search.json?query=type:ticket&page=11&per_page=100`)).status).toBe(422);
    expect((await zdFetch(running, '/search.json')).status).toBe(400);
  });

  it('treats hostile text as text', async () => {
    for (const hostile of ['" OR organization:*', 'custom_field_1:"', '\\"; DROP', ')(*&^%$#@!', 'status:']) {
      const res = await zdFetch(running, `/search.json?query=${encodeURIComponent(`type:ticket ${CF}:"${hostile}"`)}`);
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([]);
    }
  });
});

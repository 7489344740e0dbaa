import { describe, expect, it } from 'vitest';
import { salesforceCallLabel } from './salesforce/call-label.js';
import { zendeskCallLabel } from './servicedesk/call-label.js';

describe('salesforceCallLabel', () => {
  const base = 'https://example.my.salesforce.com/services/data/v62.0';
  it.each([
    ['GET', `${base}/query?q=${encodeURIComponent("SELECT Id FROM Contact WHERE AccountId IN ('001')")}`, undefined, 'Contact', 'query'],
    ['GET', `${base}/query/01gXX-2000`, undefined, 'Account', 'queryMore'],
    ['POST', `${base}/composite/sobjects/Account`, '{"ids":["001"],"fields":["Id"]}', 'Account', 'composite_retrieve'],
    ['PATCH', `${base}/sobjects/Account/001000000000001AAA`, '{}', 'Account', 'update'],
    ['GET', `${base}/sobjects/Account/001000000000001AAA`, undefined, 'Account', 'retrieve'],
    ['PATCH', `${base}/sobjects/Account/External_Id__c/x-1`, '{}', 'Account', 'upsert'],
    ['GET', `${base}/limits`, undefined, 'limits', 'get'],
    ['POST', 'https://login.salesforce.com/services/oauth2/token', 'grant_type=password', 'oauth', 'token'],
  ])('%s %s -> %s', (method, url, body, object, operation) => {
    expect(salesforceCallLabel(method, url, body, (path) => (path.endsWith('/01gXX-2000') ? 'Account' : undefined))).toEqual({ object, operation });
  });
});

describe('zendeskCallLabel', () => {
  it.each([
    ['GET', '/tickets/show_many.json', 'tickets', 'show_many'],
    ['GET', '/organizations/show_many.json', 'organizations', 'show_many'],
    ['GET', '/organizations/123/tickets.json', 'organizations', 'tickets'],
    ['GET', '/tickets/456/comments.json', 'tickets', 'comments'],
    ['GET', '/search.json', 'search', 'query'],
    ['GET', '/search/count.json', 'search', 'count'],
    ['GET', '/organizations/search.json', 'organizations', 'search'],
    ['POST', '/tickets.json', 'tickets', 'create'],
    ['PUT', '/tickets/456.json', 'tickets', 'update'],
    ['GET', '/tickets/456.json', 'tickets', 'show'],
  ])('%s %s -> %s.%s', (method, path, resource, operation) => {
    expect(zendeskCallLabel(method, path)).toEqual({ resource, operation });
  });
});

import type { Connection } from 'jsforce';
import { recordCount, startBackendCall } from '../../metrics/backend-metrics.js';
import { tracingEnabled } from '../../../../platform/observability/tracing.js';
import { isSalesforceId, toSalesforceId18 } from '../../../../platform/ids/salesforce-id.js';
import { salesforceCallLabel } from './call-label.js';
import { ACCOUNT_WRITABLE_FIELDS, type SalesforceAccountChanges } from './records.js';
import type { SalesforceConnectorOptions } from './connector-api.js';

/** What the connector's calls share: option checks, id and body rules, and call counting. */

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

export { chunk } from '../chunk.js';

export function validIds(ids: readonly string[]): string[] {
  return [...new Set(ids.filter(isSalesforceId).map(toSalesforceId18))];
}

export function checkOptions(options: SalesforceConnectorOptions): void {
  try {
    const url = new URL(options.loginUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
  } catch {
    throw new TypeError(`salesforce loginUrl must be an http(s) URL, got ${JSON.stringify(options.loginUrl)}`);
  }
  if (!options.clientId) throw new TypeError('salesforce clientId is required');
  if (!options.clientSecret) throw new TypeError('salesforce clientSecret is required');
  if (options.apiVersion !== undefined && !/^\d{2,3}\.0$/.test(options.apiVersion)) {
    throw new TypeError(`salesforce apiVersion must look like "62.0", got ${JSON.stringify(options.apiVersion)}`);
  }
  if (!!options.username !== !!options.password) throw new TypeError('salesforce username and password go together (or neither, for client credentials)');
}

export function changesBody(fields: SalesforceAccountChanges): Record<string, string | number | null> {
  const allowed = new Set<string>(ACCOUNT_WRITABLE_FIELDS);
  const body: Record<string, string | number | null> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!allowed.has(key)) throw new TypeError(`Account field ${JSON.stringify(key)} may not be written`);
    if (value !== null && typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new TypeError(`Account field ${key} must be a string, a finite number or null`);
    }
    body[key] = value;
  }
  return body;
}

/** Counts every request a jsforce transport sends, failed ones included, under its object and operation. */
export function countCalls(transport: Connection['_transport'], cursorObject?: (path: string) => string | undefined): void {
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (request, options) => {
    const { object, operation } = salesforceCallLabel(request.method, request.url, request.body, cursorObject);
    const done = startBackendCall('salesforce', object, operation);
    const sent = send(request, options);
    sent.then(
      (response) => done(tracingEnabled() ? { records: recordsIn(response.body) } : undefined),
      (error: unknown) => done({ error }),
    );
    return sent;
  };
}

/** The records in a REST answer body (a query page's `records`, a composite retrieve's list), for the call's span. */
export function recordsIn(body: unknown): number | undefined {
  if (typeof body !== 'string' || body.length === 0 || body.length > 1_000_000) return undefined;
  try {
    return recordCount(JSON.parse(body));
  } catch {
    return undefined;
  }
}

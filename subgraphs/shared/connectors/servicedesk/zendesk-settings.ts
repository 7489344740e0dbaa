import { DEFAULT_ORDER_NUMBER_FIELD_ID, type ZendeskConnectorOptions } from './zendesk-support.js';

/** What the connector derives from its options, checked: a bad setting fails at start-up with what was given. */
export interface ZendeskSettings {
  /** `https://<subdomain>.zendesk.com/api/v2`, whatever form of the base URL was given. */
  apiBase: string;
  /** The Authorization header (OAuth bearer, or Basic email/token); never logged. */
  authorization: string;
  orderNumberFieldId: number;
  /** Calls in flight at once for per-record endpoints. */
  concurrency: number;
}

/** Checks the connector's options and derives its settings; throws TypeError naming the bad setting. */
export function zendeskSettings(options: ZendeskConnectorOptions): ZendeskSettings {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new TypeError(`servicedesk baseUrl must be an absolute http(s) URL, got "${options.baseUrl}"`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new TypeError(`servicedesk baseUrl must use http or https, got "${base.protocol}"`);
  const apiBase = `${base.origin}${base.pathname.replace(/\/+$/, '').replace(/\/api\/v2$/, '')}/api/v2`;
  let authorization: string;
  if (options.oauthToken) authorization = `Bearer ${options.oauthToken}`;
  else if (options.email && options.apiToken) authorization = `Basic ${Buffer.from(`${options.email}/token:${options.apiToken}`).toString('base64')}`;
  else throw new TypeError('servicedesk needs either oauthToken or both email and apiToken');
  const orderNumberFieldId = options.orderNumberFieldId ?? DEFAULT_ORDER_NUMBER_FIELD_ID;
  if (!Number.isSafeInteger(orderNumberFieldId) || orderNumberFieldId <= 0) throw new TypeError(`servicedesk orderNumberFieldId must be a positive integer, got ${orderNumberFieldId}`);
  // Zendesk limits requests per minute, not in flight: 20 fetches the comments of a page of cases at once.
  const concurrency = options.concurrency ?? 20;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`servicedesk concurrency must be a positive integer, got ${concurrency}`);
  return { apiBase, authorization, orderNumberFieldId, concurrency };
}

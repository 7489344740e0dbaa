import { BackendError } from '../../../../platform/errors/backend-error.js';
import type { HttpClient } from '../../../../platform/http/client.js';
import type { Resilience } from '../resilience.js';
import type {
  ZendeskTicket,
} from './types.js';


/** The Zendesk connector's settings, Support API limits and the helpers its calls share. */

/** Id of the "Order number" ticket field in the sandbox; set `orderNumberFieldId` for a real account. */
export const DEFAULT_ORDER_NUMBER_FIELD_ID = 360000000001;

/** Settings of the Zendesk connector. */
export interface ZendeskConnectorOptions {
  /** `https://<subdomain>.zendesk.com` or the sandbox URL (a trailing `/api/v2` is accepted). */
  baseUrl: string;
  /** API user's email, with `apiToken` (basic `email/token:apiToken`). */
  email?: string;
  apiToken?: string;
  /** OAuth access token (`Authorization: Bearer`); used when given. */
  oauthToken?: string;
  /** Per-attempt timeout in milliseconds (default 5000). */
  timeoutMs?: number;
  /** HTTP client (default the process-wide keep-alive client). */
  http?: HttpClient;
  /** Id of the ticket field holding the order number (default DEFAULT_ORDER_NUMBER_FIELD_ID). */
  orderNumberFieldId?: number;
  /** Calls run at once for per-record endpoints (comments, organization ticket lists); default 20. */
  concurrency?: number;
  /** Extra attempts for reads on transient errors (default 2). */
  readRetries?: number;
  /** Overall deadline of one read, retries included, in milliseconds (default DEFAULT_READ_DEADLINE_MS). */
  deadlineMs?: number;
  /** Shared resilience policies (default: created here). */
  resilience?: Resilience;
}

export const SHOW_MANY_MAX = 100;
export const PAGE_SIZE = 100;
export const SEARCH_RESULT_CAP = 1000;
/** Values per search query: keeps queries short and each query's results under the 1000-result cap. */
export const VALUES_PER_QUERY = 10;
export const ORGS_PER_COUNT_QUERY = 20;
/** Pages of an organization's newest tickets scanned for an external id: a lost create is among the newest. */
export const EXTERNAL_ID_SCAN_PAGES = 10;

export interface CursorPage {
  meta?: { has_more?: boolean; after_cursor?: string | null };
}
export interface SearchPage<T> {
  results: T[];
  next_page: string | null;
  count: number;
}

export { chunk } from '../chunk.js';

export const uniquePositiveInts = (ids: readonly number[]) => [...new Set(ids.filter((id) => Number.isSafeInteger(id) && id > 0))];

/** Runs `task` over `items` with at most `limit` in flight. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A call's answer, or its failure as a BackendError (anything else thrown is a bug and propagates). */
export async function settled<T>(promise: Promise<T>): Promise<T | BackendError> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof BackendError) return err;
    throw err;
  }
}

/** The answers of settled calls, or the first failure thrown. */
export function allOrThrow<K, V>(results: Map<K, V | BackendError>): Map<K, V> {
  for (const value of results.values()) if (value instanceof BackendError) throw value;
  return results as Map<K, V>;
}

export const newestFirst = (a: ZendeskTicket, b: ZendeskTicket) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id);

/** The order number a ticket cites, or null. */
export function orderNumberOf(ticket: ZendeskTicket, fieldId: number): string | null {
  const value = ticket.custom_fields?.find((f) => f.id === fieldId)?.value;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : null;
}

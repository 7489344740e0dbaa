import { BackendError } from '../../../../platform/errors/backend-error.js';
import type { HttpHeaders } from '../../../../platform/http/client.js';

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

interface ZendeskErrorBody {
  error?: unknown;
  description?: unknown;
  details?: unknown;
}

/** Flattens Zendesk's `details: {field: [{description}]}` into one line. */
function describeDetails(details: unknown): string {
  if (!details || typeof details !== 'object') return '';
  const parts: string[] = [];
  for (const [field, entries] of Object.entries(details as Record<string, unknown>)) {
    for (const entry of Array.isArray(entries) ? entries : [entries]) {
      const description = (entry as { description?: unknown })?.description;
      parts.push(typeof description === 'string' ? description : field);
    }
  }
  return parts.join('; ');
}

/**
 * The one mapping from Zendesk's wire errors to BackendError. `operation` names the call
 * (`GET /tickets/show_many`) for the message; it never contains credentials.
 */
export function zendeskError(status: number, headers: HttpHeaders, bodyText: string, operation: string): BackendError {
  let body: ZendeskErrorBody = {};
  try {
    const parsed = JSON.parse(bodyText) as unknown;
    if (parsed && typeof parsed === 'object') body = parsed as ZendeskErrorBody;
  } catch {
    // Zendesk may answer text/plain (503, some 429s): keep the status alone.
  }
  const backendCode = typeof body.error === 'string' ? body.error : typeof body.error === 'object' && body.error ? String((body.error as { title?: unknown }).title ?? '') || undefined : undefined;
  const description = typeof body.description === 'string' ? body.description : '';
  const details = describeDetails(body.details);
  const what = [description, details].filter(Boolean).join(': ') || `HTTP ${status}`;
  const base = { backend: 'servicedesk' as const, status, backendCode };
  if (status === 401) return new BackendError({ ...base, code: 'UNAUTHENTICATED', message: `servicedesk refused our credentials (${operation})` });
  if (status === 403) return new BackendError({ ...base, code: 'FORBIDDEN', message: `servicedesk forbids ${operation}: ${what}` });
  if (status === 404) return new BackendError({ ...base, code: 'NOT_FOUND', message: `servicedesk has no such record (${operation})` });
  if (status === 429) {
    return new BackendError({ ...base, code: 'RATE_LIMITED', message: `servicedesk rate limit reached (${operation})`, retryAfterSeconds: parseRetryAfter(headers.get('retry-after')) });
  }
  if (backendCode === 'IdempotentRequestError' || status === 409) {
    return new BackendError({ ...base, code: 'CONFLICT', message: `servicedesk refused ${operation}: ${what}`, retryable: false });
  }
  if (status === 400 || status === 422) return new BackendError({ ...base, code: 'REJECTED', message: `servicedesk rejected ${operation}: ${what}` });
  if (status >= 500) return new BackendError({ ...base, code: 'UNAVAILABLE', message: `servicedesk failed with HTTP ${status} (${operation})` });
  return new BackendError({ ...base, code: 'INTERNAL', message: `servicedesk answered HTTP ${status} to ${operation}`, retryable: false });
}

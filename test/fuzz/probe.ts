import type { Role } from '../../platform/authz/roles.js';
import type { RawAnswer, RawRequest } from './send.js';

/** The request classes of the fuzz suite. */
export const CLASSES = ['http', 'graphql', 'tokens', 'values', 'mutations', 'partner', 'expensive'] as const;
/** One of them. */
export type FuzzClass = (typeof CLASSES)[number];

/** Who sends a request: a role (and reseller) whose development token is attached, or a raw Authorization header. */
export type Caller = { role: Role; partnerId?: string } | { authorization: string } | null;

/**
 * What an answer must be, beyond what every answer must be (alive, no 5xx, no stack trace,
 * every error coded, no timeout). `invalid` and `hostile` requests count for the acceptance
 * figures; `expensive` ones are reported apart.
 */
export interface Expectation {
  kind: 'invalid' | 'hostile' | 'valid' | 'expensive';
  /** Allowed HTTP statuses. */
  status?: readonly number[];
  /** At least one error, and every error's code among these. */
  codes?: readonly string[];
  /** An error with this code at this root field (its path starts there). */
  errorAt?: { field: string; code: string };
  /** No `data` in the answer other than null at every root field. */
  noData?: boolean;
  /** No backend call at all. */
  noBackendCalls?: boolean;
  /** No backend write (create, write, update, confirm, cancel, unlink...). */
  noWrites?: boolean;
  /** Further checks of this answer; each string returned is a violation. */
  check?(answer: Answer): string[];
}

/** One request of a probe. */
export interface Step {
  caller: Caller;
  request: RawRequest;
  expect: Expectation;
  /** Client-side timeout (default: the runner's). */
  timeoutMs?: number;
}

/** A request and what it caused. */
export interface Answer extends RawAnswer {
  /** The body as JSON, when it is JSON. */
  json?: any;
  /** Backend calls during the request and the background work it left, `backend:operation` -> n; undefined when unknown (the system died). */
  calls?: Record<string, number>;
}

/** Requests sent one after the other, with a check of their answers together. */
export interface Probe {
  class: FuzzClass;
  /** What the probe is, for reports (short). */
  label: string;
  steps: Step[];
  /** Checks the answers together (e.g. two roles agree, a foreign id answers like a nonexistent one). */
  joint?(answers: Answer[]): string[];
}

/** A POST of a GraphQL request as JSON (the body as JSON.stringify writes it: lone surrogates become `\udc00` escapes). */
export function graphqlPost(body: Record<string, unknown>, headers: Record<string, string> = {}): RawRequest {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A POST with a raw body text. */
export function rawPost(body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): RawRequest {
  return { method: 'POST', headers, body };
}

/** Operations whose name says they change something in a backend. */
export function isWrite(operation: string): boolean {
  const method = operation.slice(operation.lastIndexOf('.') + 1);
  return /create|write|unlink|update|delete|destroy|upsert|confirm|cancel|merge|import/i.test(method);
}

/** A backend-call count summed over operations matching a test. */
export function countCalls(calls: Record<string, number> | undefined, match: (op: string) => boolean = () => true): number {
  return Object.entries(calls ?? {}).reduce((sum, [op, n]) => (match(op) ? sum + n : sum), 0);
}

/** The error codes of an answer, sorted. */
export function codesOf(answer: Answer): string[] {
  const errors = Array.isArray(answer.json?.errors) ? (answer.json.errors as Array<{ extensions?: { code?: unknown } }>) : [];
  return errors.map((e) => String(e.extensions?.code)).sort();
}

/** `{ status, codes }` of an answer, printed, for reports. */
export function brief(answer: Answer): string {
  if (answer.failure) return `no answer (${answer.failure} after ${answer.ms} ms)`;
  return `${answer.status} [${codesOf(answer).join(' ')}] ${answer.text.slice(0, 160)}`;
}

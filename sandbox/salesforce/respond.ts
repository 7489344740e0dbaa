import type { SandboxResponse } from '../common/server.js';

/** A handler's answer plus how many records it returned (for the stats). */
export type Reply = SandboxResponse & { records?: number };

/** Content type of every REST answer. */
export const JSON_TYPE = 'application/json;charset=UTF-8';

/** A JSON answer. */
export function json(status: number, body: unknown, records = 0): Reply {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body, records };
}

/** Salesforce's REST error shape: a JSON array of `{message, errorCode, fields?}`. */
export function sfError(status: number, errorCode: string, message: string, fields?: string[]): Reply {
  return json(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

/** 401 for a missing, unknown or expired session. */
export function invalidSession(): Reply {
  return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
}

/** 404 for a path or record that does not exist. */
export function notFound(message = 'The requested resource does not exist'): Reply {
  return sfError(404, 'NOT_FOUND', message);
}

import type { ChangeLog } from './changes.js';
import type { ChangeStream } from './change-stream.js';
import { parseFaults, type Faults } from './faults.js';

/**
 * The admin API every sandbox shares under `/__sandbox/`: stats, reset, faults, out-of-band
 * edits, the change history, the scripted change stream and the state of the change feeds.
 * Admin calls are not backend API calls: they are never counted, delayed or failed by faults.
 */

/** An admin request. */
export interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
}

/** An admin answer (JSON). */
export interface AdminReply {
  status: number;
  body: unknown;
}

/** A bad out-of-band edit (unknown record type, field or id, or a value the system refuses): answered 400. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}

/** What the admin routes act on. */
export interface AdminTarget {
  stats(): unknown;
  reset(): void;
  faults(): Faults;
  setFaults(faults: Faults): void;
  changes?: ChangeLog;
  edit?(body: unknown): void;
  stream?: ChangeStream;
  feeds?(): unknown;
  /** The backend's own admin routes; undefined when the path is not one of them. */
  backendAdmin?(req: AdminRequest): AdminReply | Promise<AdminReply> | undefined;
}

const bad = (message: string): AdminReply => ({ status: 400, body: { error: message } });

function readJson(body: Buffer): { ok: true; value: unknown } | { ok: false; reply: AdminReply } {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false, reply: bad('the body is not valid JSON') };
  }
}

function timeParam(query: URLSearchParams, name: string): number | undefined | AdminReply {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? bad(`${name} must be an ISO 8601 time, got "${raw}"`) : ms;
}

function changesRoute(log: ChangeLog | undefined, query: URLSearchParams): AdminReply {
  if (!log) return { status: 404, body: { error: 'this sandbox records no changes' } };
  const since = timeParam(query, 'since');
  const until = timeParam(query, 'until');
  if (typeof since === 'object') return since;
  if (typeof until === 'object') return until;
  const limitRaw = query.get('limit');
  const limit = limitRaw === null ? undefined : Number(limitRaw);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return bad('limit must be a positive integer');
  const entity = query.get(log.entityKey) ?? undefined;
  const { changes, completeSince } = log.query({ sinceMs: since, untilMs: until, entity, id: query.get('id') ?? undefined, limit });
  return { status: 200, body: { changes, completeSince } };
}

function editRoute(target: AdminTarget, body: Buffer): AdminReply {
  if (!target.edit || !target.changes) return { status: 404, body: { error: 'this sandbox takes no edits' } };
  const parsed = readJson(body);
  if (!parsed.ok) return parsed.reply;
  let at: string | undefined;
  const off = target.changes.onCommit((txn) => {
    at = txn.at;
  });
  try {
    target.changes.run('edit', () => target.edit!(parsed.value));
  } catch (err) {
    if (err instanceof EditError) return bad(err.message);
    return { status: 500, body: { error: (err as Error).message } };
  } finally {
    off();
  }
  return { status: 200, body: { ok: true, at: at ?? new Date().toISOString() } };
}

/** Answers an admin route; undefined when the path is not under `/__sandbox/`. */
export async function adminRoute(target: AdminTarget, req: AdminRequest): Promise<AdminReply | undefined> {
  const { method, path } = req;
  if (!path.startsWith('/__sandbox/')) return undefined;
  if (path === '/__sandbox/stats' && method === 'GET') return { status: 200, body: target.stats() };
  if (path === '/__sandbox/reset' && method === 'POST') {
    target.reset();
    return { status: 200, body: { ok: true } };
  }
  if (path === '/__sandbox/faults' && (method === 'PUT' || method === 'POST')) {
    const parsed = readJson(req.body);
    if (!parsed.ok) return parsed.reply;
    try {
      target.setFaults(parseFaults(parsed.value));
      return { status: 200, body: { ok: true, faults: target.faults() } };
    } catch (err) {
      return bad((err as Error).message);
    }
  }
  if (path === '/__sandbox/faults' && method === 'GET') return { status: 200, body: target.faults() };
  if (path === '/__sandbox/changes' && method === 'GET') return changesRoute(target.changes, req.query);
  if (path === '/__sandbox/edit' && method === 'POST') return editRoute(target, req.body);
  if (path === '/__sandbox/change-stream' && target.stream) {
    if (method === 'GET') return { status: 200, body: target.stream.snapshot() };
    if (method === 'POST' || method === 'PUT') {
      const parsed = readJson(req.body);
      if (!parsed.ok) return parsed.reply;
      try {
        return { status: 200, body: target.stream.configure(parsed.value) };
      } catch (err) {
        return bad((err as Error).message);
      }
    }
  }
  if (path === '/__sandbox/feeds' && method === 'GET' && target.feeds) return { status: 200, body: target.feeds() };
  const own = await target.backendAdmin?.(req);
  if (own) return own;
  return { status: 404, body: { error: `no admin route ${method} ${path}` } };
}

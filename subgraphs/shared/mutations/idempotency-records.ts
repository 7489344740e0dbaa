/** The idempotency store's records and the backends that keep them (this process, or Redis). */
import type { Redis } from '../../../platform/redis/client.js';
import { LRUCache } from 'lru-cache';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';

export interface SerializedError {
  name: string;
  message: string;
  backend?: BackendSystem;
  code?: string;
  status?: number;
  backendCode?: string;
  extensions?: Record<string, unknown>;
}

export type StoredRecord =
  | { state: 'pending'; digest: string; attempt: string; leaseUntil: number }
  | { state: 'done'; digest: string; attempt: string; value: unknown }
  | { state: 'unknown'; digest: string; attempt: string }
  // `live` is the error object itself, kept only in process (concurrent callers rethrow it as is).
  | { state: 'failed'; digest: string; attempt: string; error: SerializedError; live?: unknown };

export type PendingRecord = Extract<StoredRecord, { state: 'pending' }>;
export type ClaimResult = { claimed: true; previous: StoredRecord | undefined } | { claimed: false; current: StoredRecord };

/** Where the records live: this process or Redis. Both apply the same claim rules. */
export interface RecordBackend {
  /** Takes the key for `pending` unless another attempt holds it or a result is stored. */
  claim(id: string, pending: PendingRecord, ttlMs: number): Promise<ClaimResult>;
  /** Replaces the record of `attempt` (and only it) with its outcome. */
  settle(id: string, record: StoredRecord, ttlMs: number): Promise<void>;
  /** Writes `record` unless the key holds a result or is held by a live attempt other than `overAttempt`. */
  resolve(id: string, record: StoredRecord, ttlMs: number, now: number, overAttempt?: string): Promise<void>;
  /** Waits until `attempt` is no longer pending, its lease ends or `deadline`; the record then, or 'timeout'. */
  waitSettled(id: string, pending: PendingRecord, deadline: number): Promise<StoredRecord | undefined | 'timeout'>;
  close(): Promise<void>;
}

/** Whether a record may be taken over: a failure, or an unknown outcome with the same input. */
function claimable(current: StoredRecord, digest: string, now: number): boolean {
  if (current.state === 'failed') return true;
  const unknown = current.state === 'unknown' || (current.state === 'pending' && current.leaseUntil < now);
  return unknown && current.digest === digest;
}

/** Whether the reconciler's outcome may replace a record: it holds no result, and no live attempt holds it but `overAttempt`. */
function resolvable(current: StoredRecord, now: number, overAttempt: string | undefined): boolean {
  return current.state === 'unknown' || current.state === 'failed' || (current.state === 'pending' && (current.leaseUntil < now || current.attempt === overAttempt));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Records in this process (an LRU), with waiters woken when an attempt settles. */
export function inProcessBackend(maxEntries: number): RecordBackend {
  const records = new LRUCache<string, StoredRecord>({ max: maxEntries });
  const waiters = new Map<string, { attempt: string; settled: Promise<void>; resolve: () => void }>();
  const release = (id: string) => {
    const waiter = waiters.get(id);
    waiters.delete(id);
    waiter?.resolve();
  };
  return {
    async claim(id, pending, ttlMs) {
      const current = records.get(id);
      if (current && !claimable(current, pending.digest, Date.now())) return { claimed: false, current };
      release(id); // a lease that ran out: its waiters re-check
      records.set(id, pending, { ttl: ttlMs });
      let resolve!: () => void;
      const settled = new Promise<void>((r) => (resolve = r));
      waiters.set(id, { attempt: pending.attempt, settled, resolve });
      return { claimed: true, previous: current };
    },
    async settle(id, record, ttlMs) {
      const current = records.get(id);
      if (current && current.attempt !== record.attempt) return;
      records.set(id, record, { ttl: ttlMs });
      if (waiters.get(id)?.attempt === record.attempt) release(id);
    },
    async resolve(id, record, ttlMs, now, overAttempt) {
      const current = records.get(id);
      if (current && !resolvable(current, now, overAttempt)) return;
      records.set(id, record, { ttl: ttlMs });
      release(id);
    },
    async waitSettled(id, pending, deadline) {
      // Timers may fire a millisecond before the wall clock reaches their time: re-check until the
      // attempt settles, its lease runs out or the caller's deadline passes.
      for (;;) {
        const current = records.get(id);
        if (current?.state !== 'pending' || current.attempt !== pending.attempt || current.leaseUntil < Date.now()) return current;
        if (Date.now() >= deadline) return 'timeout';
        const until = Math.min(deadline, current.leaseUntil + 1);
        let timer: NodeJS.Timeout | undefined;
        const elapsed = new Promise<void>((r) => (timer = setTimeout(r, Math.max(1, until - Date.now()))));
        await Promise.race([waiters.get(id)?.settled ?? elapsed, elapsed]);
        clearTimeout(timer);
      }
    },
    async close() {
      records.clear();
    },
  };
}

// KEYS[1] record; ARGV: pending JSON, ttl ms, now ms, digest. Returns {1, previous?} or {0, current}.
const CLAIM_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local rec = cjson.decode(cur)
  local ok = rec.state == 'failed'
  if (rec.state == 'unknown' or (rec.state == 'pending' and tonumber(rec.leaseUntil) < tonumber(ARGV[3]))) and rec.digest == ARGV[4] then ok = true end
  if not ok then return {0, cur} end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if cur then return {1, cur} end
return {1}
`;

// KEYS[1] record; ARGV: record JSON, attempt, ttl ms. Writes only over the same attempt (or nothing).
const SETTLE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur and cjson.decode(cur).attempt ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`;

// KEYS[1] record; ARGV: record JSON, ttl ms, now ms. Writes unless a live attempt holds the key or it holds a result.
const RESOLVE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local rec = cjson.decode(cur)
  local ok = rec.state == 'unknown' or rec.state == 'failed' or (rec.state == 'pending' and (tonumber(rec.leaseUntil) < tonumber(ARGV[3]) or rec.attempt == ARGV[4]))
  if not ok then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** Records in Redis, shared by replicas: claims and settles are Lua scripts, waits poll. */
export function redisBackend(redis: Redis, ownsClient: boolean, pollIntervalMs: number): RecordBackend {
  const read = async (id: string): Promise<StoredRecord | undefined> => {
    const raw = await redis.get(id);
    return raw === null ? undefined : (JSON.parse(raw) as StoredRecord);
  };
  return {
    async claim(id, pending, ttlMs) {
      const reply = (await redis.eval(CLAIM_SCRIPT, 1, id, JSON.stringify(pending), String(ttlMs), String(Date.now()), pending.digest)) as [
        number,
        string?,
      ];
      const other = reply[1] === undefined ? undefined : (JSON.parse(reply[1]) as StoredRecord);
      if (reply[0] === 1) return { claimed: true, previous: other };
      return { claimed: false, current: other as StoredRecord };
    },
    async settle(id, record, ttlMs) {
      const shared = record.state === 'failed' ? { ...record, live: undefined } : record; // the live error stays in process
      await redis.eval(SETTLE_SCRIPT, 1, id, JSON.stringify(shared), record.attempt, String(ttlMs));
    },
    async resolve(id, record, ttlMs, now, overAttempt) {
      // '' is never an attempt id: without one, only an expired lease gives way.
      await redis.eval(RESOLVE_SCRIPT, 1, id, JSON.stringify(record), String(ttlMs), String(now), overAttempt ?? '');
    },
    async waitSettled(id, pending, deadline) {
      for (let interval = pollIntervalMs; ; interval = Math.min(interval * 2, 200)) {
        const current = await read(id);
        if (current?.state !== 'pending' || current.attempt !== pending.attempt || current.leaseUntil < Date.now()) return current;
        if (Date.now() >= deadline) return 'timeout';
        await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
      }
    },
    async close() {
      if (ownsClient) await redis.quit();
    },
  };
}


/**
 * Durable progress of multi-step writes (sagas): which step a write reached, kept beside its
 * idempotency key (in Redis when configured, else in a JSON Lines file), so that the reconciler can
 * finish or undo a write whose request failed between steps or whose process died.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { retryingRedis, type Redis } from '../../../platform/redis/client.js';
import type { AuditPrincipal } from '../../../platform/audit/audit-log.js';
import type { IdempotencyRecordRef } from './idempotency.js';

/** Where one multi-step write stands. */
export interface WriteProgress {
  /** The write's marker in the backend (Odoo `origin`): how the reconciler finds what it left. */
  id: string;
  /** The mutation (`placeOrder`): which saga definition resumes it. */
  operation: string;
  /** The last step that completed (`started` before the first one). */
  step: string;
  /** `running` while a request works on it; `stalled` once that request failed between steps. */
  status: 'running' | 'stalled';
  /** Until when the request (or reconciler) working on it holds it, epoch ms; past it the reconciler takes over. */
  leaseUntil: number;
  /**
   * The idempotency record the write answers through, to settle it when the reconciler ends the
   * write, and the attempt that held the key when the write started (its lease may outlive it).
   */
  idempotency?: IdempotencyRecordRef;
  correlationId: string | null;
  principal: AuditPrincipal | null;
  targetIds: string[];
  /** What the steps need (ids written so far); JSON only. */
  data: Record<string, unknown>;
  /** How many times the reconciler tried to end it. */
  reconcileAttempts: number;
  updatedAt: number;
}

/** A store of unfinished multi-step writes. */
export interface WriteProgressStore {
  /** Writes (or replaces) a write's progress; resolves once it is durable. */
  put(progress: WriteProgress): Promise<void>;
  get(id: string): Promise<WriteProgress | undefined>;
  /** Forgets a write that ended (completed or compensated). */
  remove(id: string): Promise<void>;
  /** Every unfinished write. */
  list(): Promise<WriteProgress[]>;
  /** Takes a write whose lease ran out (`now`), holding it until `leaseUntil`; undefined when another holder has it. */
  claim(id: string, now: number, leaseUntil: number): Promise<WriteProgress | undefined>;
  close(): Promise<void>;
}

/** Settings of a progress store: Redis (shared by replicas) or a file (one process). */
export interface WriteProgressOptions {
  redisUrl?: string;
  /** The JSON Lines file without Redis; absent: memory only (tests, tools). */
  path?: string;
  /** Prefix of the Redis hash (default `c360:progress`). */
  keyPrefix?: string;
}

/** Creates the progress store the settings name. */
export function createWriteProgressStore(options: WriteProgressOptions): WriteProgressStore {
  if (options.redisUrl) return redisProgress(retryingRedis(options.redisUrl), options.keyPrefix ?? 'c360:progress');
  return fileProgress(options.path);
}

// KEYS[1] hash; ARGV id, now, leaseUntil. Takes the record when its lease ran out.
const CLAIM_SCRIPT = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return nil end
local rec = cjson.decode(raw)
if tonumber(rec.leaseUntil) > tonumber(ARGV[2]) then return nil end
rec.leaseUntil = tonumber(ARGV[3])
rec.reconcileAttempts = (tonumber(rec.reconcileAttempts) or 0) + 1
local out = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], out)
return out
`;

function redisProgress(redis: Redis, hash: string): WriteProgressStore {
  return {
    async put(progress) {
      await redis.hset(hash, progress.id, JSON.stringify(progress));
    },
    async get(id) {
      const raw = await redis.hget(hash, id);
      return raw === null ? undefined : (JSON.parse(raw) as WriteProgress);
    },
    async remove(id) {
      await redis.hdel(hash, id);
    },
    async list() {
      return Object.values(await redis.hgetall(hash)).map((raw) => JSON.parse(raw) as WriteProgress);
    },
    async claim(id, now, leaseUntil) {
      const raw = (await redis.eval(CLAIM_SCRIPT, 1, hash, id, String(now), String(leaseUntil))) as string | null;
      return raw ? (JSON.parse(raw) as WriteProgress) : undefined;
    },
    async close() {
      await redis.quit().catch(() => undefined);
    },
  };
}

type FileLine = { put: WriteProgress } | { remove: string };

/**
 * One process's progress in a JSON Lines file: every change appended and fdatasync'ed before it
 * resolves; read back (and compacted) when the store opens, so a restart finds what a killed
 * process left between steps.
 */
function fileProgress(path: string | undefined): WriteProgressStore {
  const records = new Map<string, WriteProgress>();
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry: FileLine;
      try {
        entry = JSON.parse(line) as FileLine;
      } catch {
        continue; // a line cut short by a crash
      }
      if ('put' in entry) records.set(entry.put.id, entry.put);
      else records.delete(entry.remove);
    }
    const compacted = [...records.values()].map((p) => `${JSON.stringify({ put: p })}\n`).join('');
    writeFileSync(`${path}.tmp`, compacted, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }
  let handle: Promise<FileHandle> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const append = (entry: FileLine): Promise<void> => {
    if (!path) return Promise.resolve();
    const run = chain.then(async () => {
      handle ??= open(path, 'a', 0o600);
      const fh = await handle;
      await fh.write(`${JSON.stringify(entry)}\n`);
      await fh.datasync();
    });
    chain = run.catch(() => undefined);
    return run;
  };
  return {
    async put(progress) {
      records.set(progress.id, { ...progress });
      await append({ put: progress });
    },
    async get(id) {
      const found = records.get(id);
      return found ? { ...found } : undefined;
    },
    async remove(id) {
      if (!records.delete(id)) return;
      await append({ remove: id });
    },
    async list() {
      return [...records.values()].map((p) => ({ ...p }));
    },
    async claim(id, now, leaseUntil) {
      const current = records.get(id);
      if (!current || current.leaseUntil > now) return undefined;
      const claimed = { ...current, leaseUntil, reconcileAttempts: current.reconcileAttempts + 1 };
      records.set(id, claimed);
      await append({ put: claimed });
      return { ...claimed };
    },
    async close() {
      await chain;
      const fh = await handle?.catch(() => undefined);
      handle = undefined;
      await fh?.close();
    },
  };
}

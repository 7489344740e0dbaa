import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { retryingRedis } from '../../../platform/redis/client.js';

/** Where the Salesforce subscriber keeps its last replay id, so that a restart resumes from it. */
export interface ReplayStore {
  load(): Promise<number | undefined>;
  /** Remembers the id; writes are ordered and the last one wins. */
  save(replayId: number): void;
  /** Resolves once every save so far is written. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A replay store in Redis (shared by the replicas: whichever subscribes resumes where the last left). */
export function redisReplayStore(url: string, key = 'c360:feeds:salesforce:replay-id'): ReplayStore {
  const redis = retryingRedis(url);
  let last: Promise<unknown> = Promise.resolve();
  return {
    async load() {
      const raw = await redis.get(key).catch(() => null);
      const id = raw === null ? NaN : Number(raw);
      return Number.isSafeInteger(id) ? id : undefined;
    },
    save(replayId) {
      last = last.then(() => redis.set(key, String(replayId)).catch(() => undefined));
    },
    flush: () => last.then(() => undefined),
    async close() {
      await last;
      redis.disconnect();
    },
  };
}

/** A replay store in a JSON file, replaced atomically on each write (for a single instance without Redis). */
export function fileReplayStore(path: string): ReplayStore {
  let pending: number | undefined;
  let writing: Promise<void> = Promise.resolve();
  const write = async () => {
    if (pending === undefined) return;
    const id = pending;
    pending = undefined;
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ replayId: id }));
    await rename(temp, path);
  };
  return {
    async load() {
      try {
        const parsed = JSON.parse(await readFile(path, 'utf8')) as { replayId?: unknown };
        return typeof parsed.replayId === 'number' && Number.isSafeInteger(parsed.replayId) ? parsed.replayId : undefined;
      } catch {
        return undefined;
      }
    },
    save(replayId) {
      pending = replayId;
      // Coalesces bursts: one write carries the newest id.
      writing = writing.then(write).catch(() => undefined);
    },
    flush: () => writing,
    close: () => writing,
  };
}

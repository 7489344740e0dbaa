import { createHash, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { retryingRedis, type Redis } from '../../../platform/redis/client.js';
import { BackendError, isBackendError, type BackendErrorCode } from '../../../platform/errors/backend-error.js';
import { createFollowUps } from './idempotency-follow-up.js';
import { isOutcomeUnknown as defaultIsOutcomeUnknown } from './outcome.js';
import { inProcessBackend, redisBackend, type PendingRecord, type RecordBackend, type SerializedError, type StoredRecord } from './idempotency-records.js';
import { refuseWriteWithoutStore } from './store-unavailable.js';

/** Settings of an idempotency store. */
export interface IdempotencyStoreOptions {
  /** Redis shared by every replica (`REDIS_URL`). Without it (and without `redis`), records live in this process. */
  redisUrl?: string;
  /** An existing ioredis client to use instead of `redisUrl`; `close()` leaves it open. */
  redis?: Redis;
  /** How long a result is kept for replays, in seconds (default 24 h). */
  ttlSeconds?: number;
  /** Prefix of every record key, e.g. `idem:orders`. Required so that stores never share keys by accident. */
  keyPrefix: string;
  /**
   * How long an attempt may hold its key, in milliseconds (default 30 s). Past it, the attempt is
   * presumed dead (crashed replica) and its outcome unknown: the next call recovers, then executes.
   */
  leaseMs?: number;
  /** How long a concurrent call waits for the attempt holding its key, in milliseconds (default 30 s). */
  waitTimeoutMs?: number;
  /** First interval between polls of a pending record in Redis, in milliseconds (default 20; doubles up to 200). */
  pollIntervalMs?: number;
  /** How long a failed attempt stays visible to the calls that waited for it, in milliseconds (default 5 s). */
  failedTtlMs?: number;
  /** In-process only: the most records kept (default 100 000; the least recently used go first). */
  maxEntries?: number;
  /**
   * How long after an attempt of unknown outcome the store keeps looking its write up in the
   * background (its `recover`, 250 ms after the failure, then at doubling intervals up to 4 s), in
   * milliseconds (default 60 s; 0: never). A write found is stored as done, so that the next call
   * with the key replays it without the backend, even while the backend is down by then.
   */
  followUpMs?: number;
  /** Most writes looked up in the background at once (default 100); past it, the next call with the key looks. */
  maxFollowUps?: number;
}

/** One idempotent execution request. */
export interface IdempotentRun<T> {
  /** Who the key belongs to: operation plus principal (`placeOrder:user-7`, `placeOrder:partner:001...`). */
  scope: string;
  /** The client's idempotency key: 1 to 200 printable ASCII characters. */
  key: string;
  /** `digestInput(input)`: the same key with another input is a conflict. */
  inputDigest: string;
  /**
   * The write. Runs at most once per (scope, key) unless it fails. With Redis its value must
   * survive JSON. Given the id of the attempt that holds the key, for a write that hands itself to
   * the reconciler (see `resolve`).
   */
  execute: (attempt: string) => Promise<T>;
  /**
   * After an attempt whose outcome is unknown: looks the write up at the backend (by client
   * reference, for example) and returns its result when it did happen, undefined when it did not.
   */
  recover?: () => Promise<T | undefined>;
  /** Whether a failure of `execute` leaves its outcome unknown (default: `isOutcomeUnknown` of outcome.ts). */
  isOutcomeUnknown?: (err: unknown) => boolean;
  /**
   * Whether the store looks a write of unknown outcome up in the background with `recover`
   * (default true); false where something else ends such writes (placeOrder's reconciler).
   */
  followUp?: boolean;
}

/**
 * Which idempotency record a write answers through, as the reconciler settles it: the key in its
 * scope, the input's digest, and the attempt that held the key when the write started (if known).
 */
export interface IdempotencyRecordRef {
  scope: string;
  key: string;
  inputDigest: string;
  attempt?: string;
}

/** The result of `run`: the value, and whether it came from an earlier attempt rather than this call's execution. */
export interface IdempotentResult<T> {
  value: T;
  /** True when `execute` did not run for this call (stored result, concurrent attempt, or recovery). */
  replayed: boolean;
  /** True when the value was found by `recover()` after an attempt of unknown outcome. */
  recovered?: boolean;
}

/** Runs writes at most once per idempotency key. */
export interface IdempotencyStore {
  /** Executes the first call for a key; later and concurrent calls with it get that call's result. */
  run<T>(request: IdempotentRun<T>): Promise<IdempotentResult<T>>;
  /**
   * Records how a write ended that no request is waiting for (the reconciler finished or undid
   * it): `done` with its value, so that the next call with the key replays it without the backend,
   * or `failed`, so that the next call runs again. Leaves a record alone that already holds a
   * result, or that an attempt holds within its lease, unless that attempt is `request.attempt`:
   * the one that started the write the reconciler ended (its process died, or it gave the write up,
   * with its lease still running).
   */
  resolve(request: IdempotencyRecordRef, outcome: { state: 'done'; value: unknown } | { state: 'failed' }): Promise<void>;
  /** Closes the Redis connection the store opened. */
  close(): Promise<void>;
}

/** Why a key was refused: another input under the same key, or an attempt still running past the wait. */
export type IdempotencyConflictReason = 'INPUT_MISMATCH' | 'IN_PROGRESS';

/** The same idempotency key was used with another input, or its first attempt is still running. */
export class IdempotencyConflictError extends GraphQLError {
  readonly code = 'IDEMPOTENCY_CONFLICT' as const;
  readonly reason: IdempotencyConflictReason;

  constructor(reason: IdempotencyConflictReason) {
    super(
      reason === 'INPUT_MISMATCH'
        ? 'This idempotency key was already used with a different input'
        : 'A request with this idempotency key is still in progress; retry later',
      { extensions: { code: 'IDEMPOTENCY_CONFLICT', reason } },
    );
    this.name = 'IdempotencyConflictError';
    this.reason = reason;
  }
}

/** An idempotency key that is empty, too long or not printable ASCII. */
export class IdempotencyKeyError extends GraphQLError {
  readonly code = 'BAD_USER_INPUT' as const;

  constructor(message: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT', field: 'idempotencyKey' } });
    this.name = 'IdempotencyKeyError';
  }
}

const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

/** Throws IdempotencyKeyError unless `key` is 1 to 200 printable ASCII characters. */
export function validateIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    const what = typeof key !== 'string' ? typeof key : key.length === 0 ? 'empty' : key.length > 200 ? `${key.length} characters` : 'not printable ASCII';
    throw new IdempotencyKeyError(`idempotencyKey must be 1 to 200 printable ASCII characters (got ${what})`);
  }
}

function serializeError(err: unknown): SerializedError {
  if (isBackendError(err)) {
    return { name: 'BackendError', message: err.message, backend: err.backend, code: err.code, status: err.status, backendCode: err.backendCode };
  }
  if (err instanceof GraphQLError) return { name: err.name, message: err.message, extensions: { ...err.extensions } };
  return { name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) };
}

/** The error a waiting call rethrows: the original in process, a faithful copy from Redis. */
function errorOf(record: Extract<StoredRecord, { state: 'failed' }>): unknown {
  if ('live' in record && record.live !== undefined) return record.live;
  const { error } = record;
  if (error.name === 'BackendError' && error.backend && error.code) {
    return new BackendError({
      backend: error.backend,
      code: error.code as BackendErrorCode,
      message: error.message,
      status: error.status,
      backendCode: error.backendCode,
    });
  }
  if (error.extensions) return new GraphQLError(error.message, { extensions: error.extensions });
  const copy = new Error(error.message);
  copy.name = error.name;
  return copy;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`idempotency store: ${name} must be a positive number, got ${value}`);
  return value;
}

/**
 * Creates a store that runs each write at most once per (scope, key): in this process, or shared
 * by every replica through Redis (`redisUrl` or `redis`).
 */
export function createIdempotencyStore(options: IdempotencyStoreOptions): IdempotencyStore {
  const { keyPrefix } = options;
  if (typeof keyPrefix !== 'string' || keyPrefix.length === 0) throw new TypeError(`idempotency store: keyPrefix must be a non-empty string, got ${String(keyPrefix)}`);
  const ttlMs = positive('ttlSeconds', options.ttlSeconds ?? 24 * 3600) * 1000;
  const leaseMs = positive('leaseMs', options.leaseMs ?? 30_000);
  const waitTimeoutMs = positive('waitTimeoutMs', options.waitTimeoutMs ?? 30_000);
  const failedTtlMs = positive('failedTtlMs', options.failedTtlMs ?? 5_000);
  const pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs ?? 20);
  const maxEntries = positive('maxEntries', options.maxEntries ?? 100_000);
  const followUpMs = options.followUpMs ?? 60_000;
  if (!Number.isFinite(followUpMs) || followUpMs < 0) throw new TypeError(`idempotency store: followUpMs must be a number >= 0, got ${followUpMs}`);
  const maxFollowUps = positive('maxFollowUps', options.maxFollowUps ?? 100);

  let backend: RecordBackend;
  if (options.redis) backend = redisBackend(options.redis, false, pollIntervalMs);
  else if (options.redisUrl) backend = redisBackend(retryingRedis(options.redisUrl), true, pollIntervalMs);
  else backend = inProcessBackend(maxEntries);

  // Hashing keeps keys short and makes (scope, key) pairs unambiguous whatever characters they hold.
  const recordId = (scope: string, key: string) => `${keyPrefix}:${createHash('sha256').update(JSON.stringify([scope, key])).digest('hex')}`;

  // The records could not be read or claimed (Redis down): the write has not run, and the call may be repeated.
  const unavailable = (err: unknown): never => refuseWriteWithoutStore('idempotency', err);

  const followUps = createFollowUps(backend, { followUpMs, maxFollowUps, leaseMs, ttlMs });

  async function executeClaimed<T>(id: string, pending: PendingRecord, request: IdempotentRun<T>, previous: StoredRecord | undefined): Promise<IdempotentResult<T>> {
    const { digest, attempt } = pending;
    const settle = (record: StoredRecord, ttl: number) => backend.settle(id, record, ttl).catch(() => undefined);
    const mustRecover = previous !== undefined && (previous.state === 'unknown' || previous.state === 'pending');
    let recovering = false;
    try {
      if (mustRecover && request.recover) {
        recovering = true;
        const found = await request.recover();
        recovering = false;
        if (found !== undefined) {
          await settle({ state: 'done', digest, attempt, value: found }, ttlMs);
          return { value: found, replayed: true, recovered: true };
        }
      }
      const value = await request.execute(attempt);
      // A store failure here leaves the record pending; its lease runs out and the next call recovers.
      await settle({ state: 'done', digest, attempt, value }, ttlMs);
      return { value, replayed: false };
    } catch (err) {
      const unknown = recovering || (request.isOutcomeUnknown ?? defaultIsOutcomeUnknown)(err);
      if (unknown) {
        await settle({ state: 'unknown', digest, attempt }, ttlMs);
        if (request.recover && request.followUp !== false) followUps.start(id, digest, request.recover);
      } else await settle({ state: 'failed', digest, attempt, error: serializeError(err), live: err }, failedTtlMs);
      throw err;
    }
  }

  return {
    async run<T>(request: IdempotentRun<T>): Promise<IdempotentResult<T>> {
      validateIdempotencyKey(request.key);
      if (typeof request.scope !== 'string' || request.scope.length === 0) throw new TypeError('idempotency store: scope must be a non-empty string');
      if (typeof request.inputDigest !== 'string' || request.inputDigest.length === 0) throw new TypeError('idempotency store: inputDigest must be a non-empty string');
      const id = recordId(request.scope, request.key);
      const digest = request.inputDigest;
      const deadline = Date.now() + waitTimeoutMs;
      for (;;) {
        const pending: PendingRecord = { state: 'pending', digest, attempt: randomUUID(), leaseUntil: Date.now() + leaseMs };
        const claim = await backend.claim(id, pending, ttlMs).catch(unavailable);
        if (claim.claimed) return executeClaimed(id, pending, request, claim.previous);
        const { current } = claim;
        if (current.digest !== digest) throw new IdempotencyConflictError('INPUT_MISMATCH');
        if (current.state === 'done') return { value: current.value as T, replayed: true };
        if (current.state !== 'pending') continue; // became claimable meanwhile
        const settled = await backend.waitSettled(id, current, deadline).catch(unavailable);
        if (settled === 'timeout') throw new IdempotencyConflictError('IN_PROGRESS');
        if (settled?.state === 'failed' && settled.attempt === current.attempt) throw errorOf(settled);
        if (Date.now() >= deadline) throw new IdempotencyConflictError('IN_PROGRESS');
      }
    },
    async resolve(request, outcome) {
      const id = recordId(request.scope, request.key);
      const attempt = `reconciled:${randomUUID()}`;
      if (outcome.state === 'done') {
        await backend.resolve(id, { state: 'done', digest: request.inputDigest, attempt, value: outcome.value }, ttlMs, Date.now(), request.attempt);
      } else {
        const error = { name: 'Error', message: 'the write was undone' };
        await backend.resolve(id, { state: 'failed', digest: request.inputDigest, attempt, error }, failedTtlMs, Date.now(), request.attempt);
      }
    },
    close: () => {
      followUps.close();
      return backend.close();
    },
  };
}


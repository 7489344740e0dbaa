import type { Principal } from '../authz/principal.js';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BackendSystem } from '../errors/backend-error.js';
import { toGraphQLError } from '../errors/graphql-errors.js';

/** Who attempted the mutation: the verified principal's subject and roles (and reseller, if any). */
export interface AuditPrincipal {
  sub: string;
  roles: readonly string[];
  partnerId?: string;
}

/**
 * One line of the audit log: one mutation attempt, successful or not. It never holds the input
 * itself (personal data): only its digest and the ids of the records it targets.
 */
export interface AuditRecord {
  /** When the attempt ended (ISO 8601). */
  time: string;
  /** Null only for attempts that carried no principal. */
  principal: AuditPrincipal | null;
  /** The mutation (`placeOrder`). */
  operation: string;
  ownerSystem: BackendSystem;
  /** Ids of the records the mutation targets (customer, order, case ids). */
  targetIds: string[];
  /** `digestInput(input)`. */
  inputDigest: string;
  /** 'ok', or the error code the client was given (`BACKEND_UNAVAILABLE`, `IDEMPOTENCY_CONFLICT`, ...). */
  outcome: string;
  /** What the client was told: 'ok' or the error code (the same as `outcome`, named for what it is). */
  clientOutcome: string;
  /**
   * What the backend holds when it differs from what the client was told: `applied` (the write
   * landed although the client got an error), `unknown` (it may have), `pending` (a multi-step
   * write left between steps, to be finished or undone by the reconciler), `not applied` (a lost
   * answer whose subgraph had failed the write: see `attemptRecords`), and for the reconciler's
   * records `completed` or `compensated`.
   */
  backendOutcome?: string;
  /** Who made the attempt: the client's request (default) or the reconciler finishing a write left between steps. */
  actor?: 'client' | 'reconciler';
  /** Id of the record written at the backend (sale.order id, ticket id), null when none. */
  backendRecordId: string | null;
  latencyMs: number;
  correlationId: string | null;
  idempotencyKey?: string;
  /** True when the result was replayed from an earlier attempt rather than written now. */
  replayed?: boolean;
  /**
   * The gateway's record of an attempt its subgraph never answered although it may have received
   * it (a reset, the subgraph killed, a timeout): `clientOutcome` is what the gateway told the
   * client, `backendOutcome` is `unknown`. The subgraph may have recorded the same attempt too
   * (same `correlationId` and `operation`); `attemptRecords` folds the two into one.
   */
  answerLost?: true;
}

/** Settings of the audit log. */
export interface AuditLogOptions {
  /** The JSON Lines file (default `AUDIT_LOG_PATH`, else `var/audit.jsonl`); its directory is created. */
  path?: string;
}

/** An append-only, durable JSON Lines log of mutation attempts. */
export interface AuditLog {
  readonly path: string;
  /** Appends one record; resolves once it is on disk (fdatasync). */
  append(record: AuditRecord): Promise<void>;
  /** Waits for pending appends and closes the file. */
  close(): Promise<void>;
}

/**
 * Opens (lazily) the audit log for appending. Appends are queued and written one line per write
 * call, so lines never interleave in this process; O_APPEND keeps whole writes intact against
 * other processes. Each batch of queued lines is flushed with one fdatasync before they resolve.
 */
export function createAuditLog(options: AuditLogOptions = {}): AuditLog {
  const path = options.path ?? process.env.AUDIT_LOG_PATH ?? 'var/audit.jsonl';
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`audit log: path must be a non-empty string, got ${String(path)}`);
  let handle: Promise<FileHandle> | undefined;
  let queue: { line: Buffer; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;

  const file = () => {
    handle ??= mkdir(dirname(path), { recursive: true }).then(() => open(path, 'a', 0o600));
    // A failed open is retried by the next append rather than remembered forever.
    handle.catch(() => (handle = undefined));
    return handle;
  };

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const fh = await file();
        for (const entry of batch) {
          let written = 0;
          // A regular file takes the whole line in one write; the loop only guards a short write.
          while (written < entry.line.length) written += (await fh.write(entry.line, written)).bytesWritten;
        }
        await fh.datasync();
        for (const entry of batch) entry.resolve();
      } catch (err) {
        for (const entry of batch) entry.reject(err);
      }
    }
    flushing = undefined;
  }

  return {
    path,
    append(record) {
      if (closed) return Promise.reject(new Error('audit log is closed'));
      const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
      return new Promise<void>((resolve, reject) => {
        queue.push({ line, resolve, reject });
        flushing ??= flush();
      });
    },
    async close() {
      closed = true;
      await flushing;
      const fh = await handle?.catch(() => undefined);
      handle = undefined;
      await fh?.close();
    },
  };
}

/** Every record of an audit log file, oldest first (for tests and tools). */
export async function readAuditLog(path: string): Promise<AuditRecord[]> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AuditRecord);
}

/**
 * One record per attempt: the records as written, except that the gateway's record of a lost
 * answer (`answerLost`) and the subgraph's record of the same attempt (same request id and
 * operation), when the subgraph wrote one before it stopped or after the gateway gave up on it,
 * become one: the subgraph's record, with what the client was told from the gateway's and what
 * the backend holds from the subgraph's outcome (`applied` for an ok, else its `backendOutcome`,
 * else `not applied`). Oldest first, as written.
 */
export function attemptRecords(records: readonly AuditRecord[]): AuditRecord[] {
  const attemptKey = (r: AuditRecord) => (r.correlationId && r.actor !== 'reconciler' ? `${r.correlationId}\u0000${r.operation}` : undefined);
  const lost = new Map<string, AuditRecord>();
  for (const r of records) {
    const key = r.answerLost ? attemptKey(r) : undefined;
    if (key !== undefined && !lost.has(key)) lost.set(key, r);
  }
  if (lost.size === 0) return [...records];
  const folded = new Set<AuditRecord>();
  const out: AuditRecord[] = [];
  for (const r of records) {
    const key = r.answerLost ? undefined : attemptKey(r);
    const gateway = key === undefined ? undefined : lost.get(key);
    if (gateway === undefined || folded.has(gateway)) {
      out.push(r);
      continue;
    }
    folded.add(gateway);
    out.push({ ...r, outcome: gateway.clientOutcome, clientOutcome: gateway.clientOutcome, backendOutcome: r.outcome === 'ok' ? 'applied' : (r.backendOutcome ?? 'not applied'), answerLost: true });
  }
  return out.filter((r) => !folded.has(r));
}

/** What `audited` records about an attempt besides its timing and outcome. */
export interface AuditMeta<T> {
  principal: AuditPrincipal | null;
  operation: string;
  ownerSystem: BackendSystem;
  targetIds: string[];
  inputDigest: string;
  correlationId?: string | null;
  idempotencyKey?: string;
  /** Reads the backend record id and replay flag from the result (e.g. of `IdempotencyStore.run`). */
  describe?: (result: T) => { backendRecordId?: string | null; replayed?: boolean; targetIds?: string[] };
  /** What the backend holds after a failure, when it differs from the error the client gets (see `AuditRecord.backendOutcome`). */
  backendOutcomeOf?: (err: unknown) => string | undefined;
}

/**
 * Runs a mutation attempt and appends its audit record whatever the outcome: the result is
 * returned only once its record is on disk, and errors are rethrown after theirs is. The outcome
 * code is the one the client sees (`toGraphQLError`).
 */
export async function audited<T>(log: AuditLog, meta: AuditMeta<T>, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const base = () => ({
    time: new Date().toISOString(),
    principal: meta.principal ? { sub: meta.principal.sub, roles: [...meta.principal.roles], ...(meta.principal.partnerId ? { partnerId: meta.principal.partnerId } : {}) } : null,
    operation: meta.operation,
    ownerSystem: meta.ownerSystem,
    targetIds: meta.targetIds,
    inputDigest: meta.inputDigest,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    correlationId: meta.correlationId ?? null,
    ...(meta.idempotencyKey !== undefined ? { idempotencyKey: meta.idempotencyKey } : {}),
  });
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const raw = toGraphQLError(err).extensions.code;
    const code = typeof raw === 'string' ? raw : 'INTERNAL_SERVER_ERROR';
    let backendOutcome: string | undefined;
    try {
      backendOutcome = meta.backendOutcomeOf?.(err);
    } catch {
      backendOutcome = 'unknown';
    }
    // The write's own error is what the caller must see, even if the audit append fails too.
    await log
      .append({ ...base(), outcome: code, clientOutcome: code, ...(backendOutcome ? { backendOutcome } : {}), backendRecordId: null })
      .catch(() => undefined);
    throw err;
  }
  const described = meta.describe?.(result) ?? {};
  await log.append({
    ...base(),
    ...(described.targetIds ? { targetIds: described.targetIds } : {}),
    outcome: 'ok',
    clientOutcome: 'ok',
    backendRecordId: described.backendRecordId ?? null,
    ...(described.replayed !== undefined ? { replayed: described.replayed } : {}),
  });
  return result;
}

/** The audit form of a principal: subject, roles, reseller; never its scopes or token. */
export function auditPrincipal(principal: Principal | null): AuditPrincipal | null {
  if (!principal) return null;
  return { sub: principal.sub, roles: [...principal.roles], ...(principal.partnerId ? { partnerId: principal.partnerId } : {}) };
}

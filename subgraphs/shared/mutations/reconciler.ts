/**
 * The reconciler: without any client, finishes or undoes every multi-step write left between its
 * steps (its request failed, timed out, or its process died), within a bound, and audits how each
 * one ended. It also finds the writes its progress store lost, by their marker in the backend.
 */
import type { AuditLog } from '../../../platform/audit/audit-log.js';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { loggerFor } from '../../../platform/logging/index.js';
import type { IdempotencyStore } from './idempotency.js';
import type { WriteProgress, WriteProgressStore } from './write-progress.js';

/** How a resumed write ended. */
export type SagaEnd =
  | { outcome: 'completed'; value: unknown; backendRecordId: string | null }
  | { outcome: 'compensated'; backendRecordId: string | null };

/** A write left in the backend with our marker and no progress record (the store lost it). */
export interface OrphanWrite {
  /** Its marker (the progress id it would have). */
  id: string;
  backendRecordId: string;
  /** Undoes it: nobody was told it succeeded, and a retry with its key would not find it. */
  compensate(): Promise<void>;
}

/** One kind of multi-step write: how to end it from its progress, and how to find orphans. */
export interface SagaDefinition {
  operation: string;
  ownerSystem: BackendSystem;
  /** Finishes the remaining steps, or compensates the ones done; throws to be tried again at the next pass. */
  resume(progress: WriteProgress): Promise<SagaEnd>;
  /** Our unfinished writes in the backend, by marker (the reconciler skips those it has progress for). */
  findUnfinished?(): Promise<OrphanWrite[]>;
}

/** Settings of the reconciler. */
export interface ReconcilerOptions {
  progress: WriteProgressStore;
  idempotency: IdempotencyStore;
  log: AuditLog;
  sagas: SagaDefinition[];
  /** Longest time a write stays between steps, in ms (`WRITE_RECONCILE_BOUND_MS`, default 30 s). */
  boundMs: number;
  /**
   * How often the backends are searched for our unfinished writes without progress, in ms
   * (default ten bounds), the first one interval after start: drafts a lost store left show within it.
   */
  orphanScanEveryMs?: number;
}

/** A running reconciler. */
export interface Reconciler {
  /** One pass over every unfinished write (the timer runs these; tests may call it). */
  pass(): Promise<{ completed: number; compensated: number; failed: number }>;
  stop(): Promise<void>;
}

/** How long a request holds a write's progress before the reconciler may take it over: half the bound. */
export function progressLeaseMs(boundMs: number): number {
  return Math.max(500, Math.floor(boundMs / 2));
}

const logger = loggerFor('reconciler');

/** Starts the reconciler: a pass every quarter of the bound, so a stalled write ends well within it. */
export function startReconciler(options: ReconcilerOptions): Reconciler {
  const { progress, idempotency, log, boundMs } = options;
  const sagas = new Map(options.sagas.map((s) => [s.operation, s]));
  // Orphans are undone only when seen on two passes, so that a write whose progress is being written elsewhere is not touched.
  let orphansSeen = new Set<string>();
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const orphanScanEveryMs = options.orphanScanEveryMs ?? boundMs * 10;
  // The first search too waits its interval: a system that starts makes no backend call of its own.
  let nextOrphanScan = performance.now() + orphanScanEveryMs;

  const audit = async (saga: SagaDefinition, p: Pick<WriteProgress, 'correlationId' | 'principal' | 'targetIds' | 'idempotency'>, end: SagaEnd['outcome'], recordId: string | null) => {
    await log.append({
      time: new Date().toISOString(),
      principal: p.principal,
      operation: saga.operation,
      ownerSystem: saga.ownerSystem,
      targetIds: p.targetIds,
      inputDigest: p.idempotency?.inputDigest ?? '',
      outcome: end,
      clientOutcome: 'none',
      backendOutcome: end,
      actor: 'reconciler',
      backendRecordId: recordId,
      latencyMs: 0,
      correlationId: p.correlationId,
      ...(p.idempotency ? { idempotencyKey: p.idempotency.key } : {}),
    });
  };

  async function endOne(saga: SagaDefinition, claimed: WriteProgress): Promise<SagaEnd['outcome']> {
    const end = await saga.resume(claimed);
    if (claimed.idempotency) {
      await idempotency.resolve(claimed.idempotency, end.outcome === 'completed' ? { state: 'done', value: end.value } : { state: 'failed' });
    }
    await audit(saga, claimed, end.outcome, end.backendRecordId);
    await progress.remove(claimed.id);
    return end.outcome;
  }

  async function pass() {
    const counts = { completed: 0, compensated: 0, failed: 0 };
    const now = Date.now();
    const known = new Set<string>();
    for (const p of await progress.list()) {
      known.add(p.id);
      const saga = sagas.get(p.operation);
      if (!saga || p.leaseUntil > now) continue;
      const claimed = await progress.claim(p.id, now, now + progressLeaseMs(boundMs));
      if (!claimed) continue;
      try {
        counts[await endOne(saga, claimed)] += 1;
      } catch (err) {
        counts.failed += 1;
        logger.warn({ err, operation: p.operation, step: p.step, attempts: claimed.reconcileAttempts }, 'a write left between steps could not be ended yet');
      }
    }
    // An orphan is undone on the scan after the one that first saw it.
    // On the monotonic clock: a wall clock set forward (NTP, a test's fake Date) does not start a scan.
    if (performance.now() < nextOrphanScan && orphansSeen.size === 0) return counts;
    nextOrphanScan = performance.now() + orphanScanEveryMs;
    const seen = new Set<string>();
    for (const saga of sagas.values()) {
      if (!saga.findUnfinished) continue;
      let orphans: OrphanWrite[];
      try {
        orphans = await saga.findUnfinished();
      } catch (err) {
        logger.warn({ err, operation: saga.operation }, 'the backend could not be searched for unfinished writes');
        continue;
      }
      for (const orphan of orphans) {
        if (known.has(orphan.id) || (await progress.get(orphan.id))) continue;
        seen.add(orphan.id);
        if (!orphansSeen.has(orphan.id)) continue;
        try {
          await orphan.compensate();
          await audit(saga, { correlationId: null, principal: null, targetIds: [], idempotency: undefined }, 'compensated', orphan.backendRecordId);
          counts.compensated += 1;
          seen.delete(orphan.id);
        } catch (err) {
          counts.failed += 1;
          logger.warn({ err, operation: saga.operation }, 'an unfinished write without progress could not be undone yet');
        }
      }
    }
    orphansSeen = seen;
    return counts;
  }

  const guarded = () => {
    if (stopped) return Promise.resolve({ completed: 0, compensated: 0, failed: 0 });
    const next = (running ?? Promise.resolve()).then(pass, pass);
    running = next.catch(() => undefined);
    return next;
  };
  const timer = setInterval(() => {
    guarded().catch((err) => logger.warn({ err }, 'reconciler pass failed'));
  }, Math.max(250, Math.floor(boundMs / 4)));
  timer.unref();
  return {
    pass: guarded,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

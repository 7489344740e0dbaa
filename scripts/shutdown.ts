import type { ComponentLog } from '../platform/logging/index.js';
import { flushLogs } from '../platform/logging/index.js';

/** How long closing may take past the grace period (Redis, the audit log, the span exporter) before the process exits anyway. */
const RELEASE_MS = 5_000;

/**
 * Graceful shutdown of a process entry point on SIGTERM or SIGINT: `stop(graceMs)` stops accepting,
 * lets requests in flight finish within `graceMs` and releases Redis, the audit log and the
 * tracer; then the log lines are flushed and the process exits (0, or 1 when stopping failed or
 * outlived the grace period by RELEASE_MS). A second signal exits at once.
 */
export function onShutdownSignal(log: ComponentLog, graceMs: number, stop: (graceMs: number) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      flushLogs();
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    log.info({ signal, graceMs }, 'shutting down: no new requests, waiting for those in flight');
    const forced = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long: exiting');
      flushLogs();
      process.exit(1);
    }, graceMs + RELEASE_MS);
    forced.unref();
    stop(graceMs).then(
      () => {
        log.info({ durationMs: Date.now() - started }, 'stopped');
        flushLogs();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        flushLogs();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

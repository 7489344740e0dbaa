/** Where a benchmark's processes write their log lines, so that stdout keeps only the report. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bufferedDestination, createLogger, setRootLogger } from '../platform/logging/index.js';

/** A new log file under var/bench/ named for the run's start. */
export function benchLogFile(started: Date): string {
  const dir = new URL('../var/bench/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  return join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.log`);
}

/** Sends this process's log lines (one per request at LOG_LEVEL=info) to a new bench log file; returns its path. */
export function logToBenchFile(started: Date): string {
  const file = benchLogFile(started);
  setRootLogger(createLogger({ destination: bufferedDestination(file) }));
  return file;
}

import type { ComponentLog } from './logger.js';

/**
 * A warning that may repeat many times a second under load (retries, stale serves, a saturated
 * budget): written at once the first time for a key, then at most once per interval with the
 * number of occurrences left unwritten since (`suppressed`), so that an outage is visible in the
 * logs without flooding them.
 */
export function throttledWarning(log: ComponentLog, intervalMs = 10_000, now: () => number = Date.now) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key: string, fields: Record<string, unknown>, message: string): void => {
    const t = now();
    const seen = last.get(key);
    if (seen && t - seen.at < intervalMs) {
      seen.suppressed += 1;
      return;
    }
    // Bounded: keys are systems, models and reasons, but a map that only grows is a leak waiting for a new key.
    if (!seen && last.size >= 1000) last.clear();
    last.set(key, { at: t, suppressed: 0 });
    log.warn(seen?.suppressed ? { ...fields, suppressed: seen.suppressed } : fields, message);
  };
}

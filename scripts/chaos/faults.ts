/**
 * The chaos run's fault schedule: each sandbox's faults change every 2 to 5 s, drawn from error
 * rates up to 50%, latency up to 1.5 s, short outages, rate limits and faults after commit (the
 * write applied, then a 5xx or a dropped connection).
 */
import type { Faults } from '../../sandbox/common/server.js';

/** Something whose faults can be set (a sandbox). */
export interface FaultTarget {
  setFaults(faults: Faults): void;
}

/** One random fault setting. */
export function randomFaults(random: () => number): Faults {
  const pick = random();
  if (pick < 0.15) return {};
  if (pick < 0.3) return { errorRate: 0.1 + random() * 0.4 };
  if (pick < 0.45) return { latencyMs: Math.round(random() * 1000), jitterMs: 500 };
  if (pick < 0.55) return { down: true };
  if (pick < 0.7) return { rateLimit: { perSecond: 3 + Math.round(random() * 17) } };
  if (pick < 0.9) return { errorAfterCommitRate: 0.2 + random() * 0.3, afterCommit: 'mixed' };
  return { errorRate: 0.2, errorAfterCommitRate: 0.2, latencyMs: Math.round(random() * 500) };
}

/** Runs the schedule on every target until stopped; counts the settings applied. */
export function startFaultSchedule(targets: Record<string, FaultTarget>, random: () => number): { stop(): void; changes: number } {
  const timers = new Set<NodeJS.Timeout>();
  const state = { changes: 0, stopped: false };
  for (const target of Object.values(targets)) {
    const next = () => {
      if (state.stopped) return;
      const faults = randomFaults(random);
      // An outage stays short: at most the 2-5 s this setting lasts.
      target.setFaults(faults);
      state.changes += 1;
      const timer = setTimeout(() => {
        timers.delete(timer);
        next();
      }, 2000 + random() * 3000);
      timers.add(timer);
    };
    next();
  }
  return {
    stop() {
      state.stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const target of Object.values(targets)) target.setFaults({});
    },
    get changes() {
      return state.changes;
    },
  };
}

/** A small seeded generator (mulberry32), so that a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

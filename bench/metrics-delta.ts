/** Counter deltas from the process-wide prom-client registry, for one benchmark run. */
import type { Registry } from 'prom-client';

/** One counter sample: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string | number>;
  value: number;
}

/** A snapshot of every counter and gauge value. */
export type Snapshot = Map<string, Sample>;

function keyOf(name: string, labels: Record<string, string | number>): string {
  return `${name}{${Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',')}}`;
}

/** Takes a snapshot of the registry's counters. */
export async function snapshotMetrics(registry: Registry): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  for (const metric of await registry.getMetricsAsJSON()) {
    if (String(metric.type) !== 'counter') continue;
    for (const value of metric.values) {
      const labels = (value.labels ?? {}) as Record<string, string | number>;
      snapshot.set(keyOf(metric.name, labels), { name: metric.name, labels, value: value.value });
    }
  }
  return snapshot;
}

/** What grew between two snapshots. */
export function metricsDelta(before: Snapshot, after: Snapshot): Sample[] {
  const out: Sample[] = [];
  for (const [key, sample] of after) {
    const delta = sample.value - (before.get(key)?.value ?? 0);
    if (delta !== 0) out.push({ ...sample, value: delta });
  }
  return out;
}

/** Sum of a metric's samples whose labels match `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => String(s.labels[k]) === v))
    .reduce((sum, s) => sum + s.value, 0);
}

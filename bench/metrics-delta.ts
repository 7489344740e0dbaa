/** Counter deltas from prom-client registries (this process's and the backends child's), for one benchmark run. */
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

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
  return snapshotFromJson(await registry.getMetricsAsJSON());
}

/** A snapshot of the counters in a registry's JSON form (`getMetricsAsJSON()`, possibly from another process). */
export function snapshotFromJson(metrics: readonly MetricObjectWithValues<MetricValue<string>>[]): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const metric of metrics) {
    if (String(metric.type) !== 'counter') continue;
    for (const value of metric.values) {
      const labels = (value.labels ?? {}) as Record<string, string | number>;
      snapshot.set(keyOf(metric.name, labels), { name: metric.name, labels, value: value.value });
    }
  }
  return snapshot;
}

/** Two processes' snapshots as one: samples with the same name and labels add up. */
export function mergeSnapshots(a: Snapshot, b: Snapshot): Snapshot {
  const out: Snapshot = new Map(a);
  for (const [key, sample] of b) {
    const mine = out.get(key);
    out.set(key, mine ? { ...mine, value: mine.value + sample.value } : sample);
  }
  return out;
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

import { Counter, Histogram } from 'prom-client';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { metricsRegistry } from '../../../platform/metrics/registry.js';
import { invalidateRecords } from '../cache/cached-loader.js';
import type { RecordCache } from '../cache/record-cache.js';
import type { InvalidationPlan } from './change-plan.js';
import type { FeedHealth, FeedName } from './feed-health.js';

export const feedEventsTotal = new Counter({
  name: 'c360_feed_events_total',
  help: 'Change-feed events received, by feed and result (applied, ignored: nothing of ours holds it, refused: failed verification or limits).',
  labelNames: ['feed', 'result'] as const,
  registers: [metricsRegistry],
});
const feedInvalidationsTotal = new Counter({
  name: 'c360_feed_invalidations_total',
  help: 'Record keys and entity tags evicted because of change-feed events, by feed and target (records, tags).',
  labelNames: ['feed', 'target'] as const,
  registers: [metricsRegistry],
});
const feedLagSeconds = new Histogram({
  name: 'c360_feed_lag_seconds',
  help: 'Time from a change in the backend (as its event states it) to its eviction here, by feed.',
  labelNames: ['feed'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Where evictions go: the record caches by backend, and the gateway caches' entity tags. */
export interface InvalidationTargets {
  caches: Partial<Record<BackendSystem, RecordCache>>;
  /** Each sink evicts cached responses or fetches holding one of the tags, here and on the other replicas. */
  tagSinks: Array<(tags: string[]) => void | Promise<void>>;
}

/** Applies invalidation plans to every cache, on every replica (the caches broadcast over Redis). */
export class Invalidator {
  readonly #sinks: InvalidationTargets['tagSinks'];

  constructor(
    readonly targets: InvalidationTargets,
    readonly health: FeedHealth,
  ) {
    this.#sinks = [...targets.tagSinks];
  }

  /** Adds a tag sink (the gateway's caches, once it runs). */
  addTagSink(sink: (tags: string[]) => void | Promise<void>): void {
    this.#sinks.push(sink);
  }

  /** Evicts what `plan` names; `changedAt` (epoch ms), when the event says it, measures the lag. Never throws. */
  async apply(feed: FeedName | 'api', plan: InvalidationPlan, changedAt?: number): Promise<void> {
    const work: Array<Promise<unknown>> = [];
    let records = 0;
    for (const { kind, keys } of plan.records) {
      const cache = this.targets.caches[kind.backend];
      if (!cache || keys.length === 0) continue;
      records += keys.length;
      work.push(invalidateRecords(cache, kind, keys));
    }
    const tags = [...new Set(plan.tags)];
    if (tags.length > 0) for (const sink of this.#sinks) work.push(Promise.resolve().then(() => sink(tags)));
    await Promise.allSettled(work);
    const lagMs = changedAt !== undefined ? Math.max(0, Date.now() - changedAt) : undefined;
    if (feed !== 'api') {
      feedEventsTotal.inc({ feed, result: records + tags.length > 0 ? 'applied' : 'ignored' });
      if (lagMs !== undefined) feedLagSeconds.observe({ feed }, lagMs / 1000);
      this.health.event(feed, lagMs);
    }
    feedInvalidationsTotal.inc({ feed, target: 'records' }, records);
    feedInvalidationsTotal.inc({ feed, target: 'tags' }, tags.length);
  }
}

import { Gauge } from 'prom-client';
import { metricsRegistry } from '../../../platform/metrics/registry.js';

/** A change feed: Odoo automation-rule webhooks, Salesforce Change Data Capture, Zendesk webhooks. */
export type FeedName = 'odoo' | 'salesforce' | 'zendesk';
export const FEED_NAMES: readonly FeedName[] = ['odoo', 'salesforce', 'zendesk'];

/** What one feed's state is, as `/readyz` and `GET /status` show it. */
export interface FeedStatus {
  /** `off` (turned off by a setting), `down` (not connected), `lagging` (events later than the bound), `healthy`. */
  state: 'off' | 'down' | 'lagging' | 'healthy';
  /** While healthy: records stored since this time (ISO) take the long lifetimes; older ones their short TTLs. */
  coveringSince?: string;
  /** Why it is not healthy, or the last event that made it fall back (an expired replay id, a lag). */
  reason?: string;
  events: number;
  lastEventAt?: string;
  /** Lag of the last event, change to eviction, in ms (when the event says when the change happened). */
  lastLagMs?: number;
}

const feedHealthy = new Gauge({
  name: 'c360_feed_healthy',
  help: 'Whether a change feed is connected and within its lag bound (1), so that its types take the long lifetimes, or not (0).',
  labelNames: ['feed'] as const,
  registers: [metricsRegistry],
});

interface FeedState {
  state: FeedStatus['state'];
  since: number;
  reason?: string;
  events: number;
  lastEventAt?: number;
  lastLagMs?: number;
  /** While lagging: when it may count as healthy again. */
  lagUntil?: number;
}

/** Options of the health tracker. */
export interface FeedHealthOptions {
  /** A feed whose events arrive later than this after the change falls back to the short TTLs (default 5000 ms). */
  maxLagMs?: number;
  /** How long a lagging feed stays fallen back after its last late event (default 60 s). */
  lagHoldMs?: number;
  now?: () => number;
}

/**
 * The health of each change feed, and so which types may take their long lifetimes. A feed covers
 * records stored since it last became healthy: a record stored before (while it was down, lagging
 * or before it started) may have missed an event, and keeps its short TTL. Falling back never
 * waits for anything: the next read judges its records by the short TTL.
 */
export class FeedHealth {
  readonly #feeds = new Map<FeedName, FeedState>();
  readonly #maxLagMs: number;
  readonly #lagHoldMs: number;
  readonly #now: () => number;

  constructor(options: FeedHealthOptions = {}) {
    this.#maxLagMs = options.maxLagMs ?? 5000;
    this.#lagHoldMs = options.lagHoldMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    for (const name of FEED_NAMES) this.#set(name, { state: 'off', since: this.#now(), events: 0 });
  }

  get maxLagMs(): number {
    return this.#maxLagMs;
  }

  /** The feed is connected from now (records stored from now on are covered). */
  up(name: FeedName, reason?: string): void {
    const current = this.#feeds.get(name)!;
    if (current.state === 'healthy' && reason === undefined) return;
    this.#set(name, { ...current, state: 'healthy', since: this.#now(), reason, lagUntil: undefined });
  }

  /** The feed is not connected, or cannot be trusted: its types fall back to their short TTLs. */
  down(name: FeedName, reason: string): void {
    const current = this.#feeds.get(name)!;
    this.#set(name, { ...current, state: 'down', reason });
  }

  /** Turned off by its setting: TTLs alone bound freshness. */
  off(name: FeedName): void {
    this.#set(name, { state: 'off', since: this.#now(), events: 0 });
  }

  /**
   * Notes one event and its lag (when known); a lag past the bound makes the feed fall back for a
   * while. A change made before the feed last became healthy is a backlog caught up (a subscriber
   * resuming from its replay id): every record it covers was read after that change, so however
   * late the event, it does not make the feed fall back.
   */
  event(name: FeedName, lagMs?: number): void {
    const current = this.#feeds.get(name)!;
    const now = this.#now();
    const next: FeedState = { ...current, events: current.events + 1, lastEventAt: now, lastLagMs: lagMs };
    const backlog = lagMs !== undefined && now - lagMs < current.since;
    if (lagMs !== undefined && lagMs > this.#maxLagMs && !backlog && current.state !== 'off' && current.state !== 'down') {
      next.state = 'lagging';
      next.reason = `an event arrived ${lagMs} ms after its change (bound ${this.#maxLagMs} ms)`;
      next.lagUntil = now + this.#lagHoldMs;
    }
    this.#set(name, next);
  }

  /** Since when records of this feed's types are covered (epoch ms), or undefined while it covers none. */
  coveringSince(name: FeedName): number | undefined {
    const feed = this.#feeds.get(name)!;
    if (feed.state === 'lagging' && feed.lagUntil !== undefined && this.#now() >= feed.lagUntil) {
      // The hold is over: covered again from now, never for what was stored while it lagged.
      this.#set(name, { ...feed, state: 'healthy', since: this.#now(), lagUntil: undefined });
      return this.#feeds.get(name)!.since;
    }
    return feed.state === 'healthy' ? feed.since : undefined;
  }

  status(name: FeedName): FeedStatus {
    this.coveringSince(name);
    const f = this.#feeds.get(name)!;
    return {
      state: f.state,
      ...(f.state === 'healthy' ? { coveringSince: new Date(f.since).toISOString() } : {}),
      ...(f.reason ? { reason: f.reason } : {}),
      events: f.events,
      ...(f.lastEventAt !== undefined ? { lastEventAt: new Date(f.lastEventAt).toISOString() } : {}),
      ...(f.lastLagMs !== undefined ? { lastLagMs: f.lastLagMs } : {}),
    };
  }

  all(): Record<FeedName, FeedStatus> {
    return Object.fromEntries(FEED_NAMES.map((name) => [name, this.status(name)])) as Record<FeedName, FeedStatus>;
  }

  #set(name: FeedName, state: FeedState): void {
    this.#feeds.set(name, state);
    feedHealthy.set({ feed: name }, state.state === 'healthy' ? 1 : 0);
  }
}

/**
 * The event bus of Change Data Capture: every change event gets the next replay id and is kept
 * for a bounded retention window (real orgs keep change events 72 hours; here, by default, the
 * latest 10,000 events and at most one hour), so that a subscriber reconnecting with the last
 * replay id it saw receives what it missed.
 */

/** One retained event. */
export interface BusEvent {
  replayId: number;
  /** The entity's own channel, e.g. `/data/AccountChangeEvent`. */
  channel: string;
  atMs: number;
  /** The Bayeux `data` member (`{schema, payload, event: {replayId}}`). */
  data: Record<string, unknown>;
}

/** Retention of the bus. */
export interface BusRetention {
  /** Most events kept (default 10,000). */
  maxEvents?: number;
  /** Oldest event kept, in milliseconds (default one hour). */
  maxAgeMs?: number;
}

/** The channel carrying every entity's change events. */
export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';

/** Whether an event published on `eventChannel` is delivered to a subscription on `channel`. */
export const carries = (channel: string, eventChannel: string) => channel === ALL_CHANGE_EVENTS || channel === eventChannel;

/** Retained change events and their replay ids. */
export class EventBus {
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;
  private events: BusEvent[] = [];
  private last = 0;
  /** Replay id of the newest event dropped by retention (0 while none was). */
  private floor = 0;
  private readonly listeners = new Set<(event: BusEvent) => void>();

  constructor(retention: BusRetention = {}) {
    this.maxEvents = retention.maxEvents ?? 10_000;
    this.maxAgeMs = retention.maxAgeMs ?? 3_600_000;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) throw new TypeError(`cdcRetention.maxEvents must be a positive integer, got ${this.maxEvents}`);
    if (!(this.maxAgeMs > 0)) throw new TypeError(`cdcRetention.maxAgeMs must be a positive number, got ${this.maxAgeMs}`);
  }

  /** Publishes an event; `build` receives its replay id. */
  publish(channel: string, build: (replayId: number) => Record<string, unknown>): BusEvent {
    const replayId = ++this.last;
    const event = { replayId, channel, atMs: Date.now(), data: build(replayId) };
    this.events.push(event);
    this.prune();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Calls `listener` with each published event. */
  onPublish(listener: (event: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The retained events a subscription on `channel` replays from `replayId`: none for -1, all for
   * -2, those after it otherwise; undefined when the id is not within the retention window (some
   * events after it are gone, or it was never issued).
   */
  replay(channel: string, replayId: number): BusEvent[] | undefined {
    this.prune();
    if (replayId === -1) return [];
    if (replayId === -2) return this.events.filter((e) => carries(channel, e.channel));
    if (!Number.isInteger(replayId) || replayId < this.floor || replayId > this.last) return undefined;
    return this.events.filter((e) => e.replayId > replayId && carries(channel, e.channel));
  }

  /** Counts for `GET /__sandbox/feeds`. */
  stats(): { published: number; retained: number; oldestReplayId: number | null; latestReplayId: number } {
    this.prune();
    return { published: this.last, retained: this.events.length, oldestReplayId: this.events[0]?.replayId ?? null, latestReplayId: this.last };
  }

  private prune(): void {
    const oldest = Date.now() - this.maxAgeMs;
    let drop = Math.max(0, this.events.length - this.maxEvents);
    while (drop < this.events.length && this.events[drop]!.atMs < oldest) drop++;
    if (drop === 0) return;
    this.floor = this.events[drop - 1]!.replayId;
    this.events.splice(0, drop);
  }
}

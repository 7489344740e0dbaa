/**
 * Asynchronous webhook delivery, as a system of record sends its outgoing notifications: never
 * blocking the write that caused them, in order per record (a record's next notification waits
 * for the previous one, retries included), a bounded queue, and the vendor's own retry rules.
 */

/** One notification to send. */
export interface Delivery {
  url: string;
  /** Notifications with the same key are sent one after another, in enqueue order. */
  key: string;
  body: string;
  /** Headers of an attempt (1 for the first), e.g. a signature over the attempt's timestamp. */
  headers(attempt: number): Record<string, string>;
}

/** How an attempt ended. */
export type DeliveryOutcome =
  | { kind: 'response'; status: number; retryAfterSeconds?: number }
  | { kind: 'timeout' }
  | { kind: 'network'; message: string };

/** A vendor's retry rules. */
export interface RetryPolicy {
  /** Time an attempt may take before it counts as timed out. */
  timeoutMs: number;
  /** Milliseconds before attempt `attempt + 1`, or undefined to give up after `attempt` failed with `outcome`. */
  retryDelay(attempt: number, outcome: DeliveryOutcome): number | undefined;
}

/** Delivery counters, as `GET /__sandbox/feeds` reports them. */
export interface DeliveryStats {
  /** Notifications accepted into the queue. */
  enqueued: number;
  /** Answered 2xx. */
  delivered: number;
  /** Given up after their last attempt failed. */
  failed: number;
  /** Refused because the queue was full. */
  dropped: number;
  attempts: number;
  retries: number;
  /** Waiting, being sent or waiting for a retry. */
  pending: number;
  lastFailure: { at: string; url: string; outcome: string } | null;
}

/** Settings of a delivery queue. */
export interface DeliveryQueueOptions {
  policy: RetryPolicy;
  /** Most notifications pending at once (default 10,000); past it new ones are dropped and counted. */
  maxPending?: number;
  /** Most requests in flight at once (default 16). */
  concurrency?: number;
}

interface Item extends Delivery {
  attempt: number;
}

const describe = (o: DeliveryOutcome) => (o.kind === 'response' ? `HTTP ${o.status}` : o.kind === 'timeout' ? 'timeout' : o.message);

/** Sends notifications in the background. */
export class DeliveryQueue {
  private readonly policy: RetryPolicy;
  private readonly maxPending: number;
  private readonly concurrency: number;
  private readonly byKey = new Map<string, Item[]>();
  private readonly ready: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborter = new AbortController();
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  private counts: DeliveryStats = { enqueued: 0, delivered: 0, failed: 0, dropped: 0, attempts: 0, retries: 0, pending: 0, lastFailure: null };

  constructor(options: DeliveryQueueOptions) {
    this.policy = options.policy;
    this.maxPending = options.maxPending ?? 10_000;
    this.concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) throw new TypeError(`maxPending must be a positive integer, got ${this.maxPending}`);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new TypeError(`concurrency must be a positive integer, got ${this.concurrency}`);
  }

  /** Queues a notification; false (and counted as dropped) when the queue is full. */
  enqueue(delivery: Delivery): boolean {
    if (this.aborter.signal.aborted) return false;
    if (this.counts.pending >= this.maxPending) {
      this.counts.dropped += 1;
      return false;
    }
    this.counts.enqueued += 1;
    this.counts.pending += 1;
    const queue = this.byKey.get(delivery.key);
    if (queue) {
      queue.push({ ...delivery, attempt: 0 });
      return true;
    }
    this.byKey.set(delivery.key, [{ ...delivery, attempt: 0 }]);
    this.ready.push(delivery.key);
    this.pump();
    return true;
  }

  /** A copy of the counters. */
  stats(): DeliveryStats {
    return { ...this.counts, lastFailure: this.counts.lastFailure && { ...this.counts.lastFailure } };
  }

  /** Zeroes the counters (what is pending stays pending). */
  resetCounts(): void {
    this.counts = { enqueued: 0, delivered: 0, failed: 0, dropped: 0, attempts: 0, retries: 0, pending: this.counts.pending, lastFailure: null };
  }

  /** Resolves once nothing is pending. */
  idle(): Promise<void> {
    if (this.counts.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops sending: aborts requests in flight and forgets what is queued. */
  close(): void {
    this.aborter.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.byKey.clear();
    this.ready.length = 0;
    this.counts.pending = 0;
    this.settle();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const head = this.byKey.get(key)?.[0];
      if (head) void this.send(key, head);
    }
  }

  private async send(key: string, item: Item): Promise<void> {
    this.active += 1;
    item.attempt += 1;
    this.counts.attempts += 1;
    if (item.attempt > 1) this.counts.retries += 1;
    const outcome = await this.attempt(item);
    this.active -= 1;
    if (this.aborter.signal.aborted) return;
    if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
      this.counts.delivered += 1;
      this.finish(key);
    } else {
      const delay = this.policy.retryDelay(item.attempt, outcome);
      if (delay === undefined) {
        this.counts.failed += 1;
        this.counts.lastFailure = { at: new Date().toISOString(), url: item.url, outcome: describe(outcome) };
        this.finish(key);
      } else {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.ready.push(key);
          this.pump();
        }, delay);
        timer.unref();
        this.timers.add(timer);
      }
    }
    this.pump();
  }

  private async attempt(item: Item): Promise<DeliveryOutcome> {
    const timeout = AbortSignal.timeout(this.policy.timeoutMs);
    try {
      const res = await fetch(item.url, {
        method: 'POST',
        headers: item.headers(item.attempt),
        body: item.body,
        signal: AbortSignal.any([timeout, this.aborter.signal]),
      });
      await res.arrayBuffer();
      const retryAfter = Number(res.headers.get('retry-after'));
      return { kind: 'response', status: res.status, ...(Number.isFinite(retryAfter) && res.headers.has('retry-after') ? { retryAfterSeconds: retryAfter } : {}) };
    } catch (err) {
      if (timeout.aborted) return { kind: 'timeout' };
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return { kind: 'network', message: cause?.code ?? cause?.message ?? (err as Error).message };
    }
  }

  private finish(key: string): void {
    const queue = this.byKey.get(key);
    queue?.shift();
    this.counts.pending -= 1;
    if (queue && queue.length > 0) this.ready.push(key);
    else this.byKey.delete(key);
    this.settle();
  }

  private settle(): void {
    if (this.counts.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

import { createRng, type Rng } from './rng.js';

/**
 * The scripted change stream of `POST /__sandbox/change-stream`: random changes of the kinds a
 * backend offers, applied at a steady rate (as the users of the system would make them), until
 * stopped with `{ "perSecond": 0 }`.
 */

/** Applies one random change of a kind; answers false when no record fits right now. */
export type StreamKind = (rng: Rng) => boolean;

/** What `GET /__sandbox/change-stream` reports. */
export interface ChangeStreamState {
  running: boolean;
  perSecond: number;
  kinds: string[];
  /** Every kind this sandbox offers. */
  available: string[];
  seed: number;
  /** Changes applied since the stream was (re)started. */
  applied: number;
  byKind: Record<string, number>;
  /** Draws that found no record to change. */
  skipped: number;
  startedAt: string | null;
}

const MAX_RATE = 1000;
const DEFAULT_SEED = 1;

/** Runs the stream of one sandbox. */
export class ChangeStream {
  private timer: NodeJS.Timeout | undefined;
  private state: ChangeStreamState;
  private rng: Rng = createRng(DEFAULT_SEED);
  private startMs = 0;
  /** Change slots used since the start (applied or skipped). */
  private slots = 0;

  /**
   * @param kinds the kinds of change this backend offers
   * @param apply runs one change (inside a `stream` transaction of the change log)
   */
  constructor(
    private readonly kinds: Record<string, StreamKind>,
    private readonly apply: (change: () => boolean) => boolean,
  ) {
    this.state = this.idle(DEFAULT_SEED);
  }

  /** Starts, retunes or (with `perSecond: 0`) stops the stream; throws a TypeError naming a bad field. */
  configure(input: unknown): ChangeStreamState {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('the change stream settings must be a JSON object');
    const raw = input as Record<string, unknown>;
    for (const key of Object.keys(raw)) if (!['perSecond', 'kinds', 'seed'].includes(key)) throw new TypeError(`unknown setting "${key}"`);
    const perSecond = raw.perSecond;
    if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond < 0 || perSecond > MAX_RATE) {
      throw new TypeError(`perSecond must be a number between 0 and ${MAX_RATE}`);
    }
    const available = Object.keys(this.kinds);
    let kinds = available;
    if (raw.kinds !== undefined) {
      if (!Array.isArray(raw.kinds) || raw.kinds.length === 0 || raw.kinds.some((k) => typeof k !== 'string')) {
        throw new TypeError(`kinds must be a non-empty list of: ${available.join(', ')}`);
      }
      const unknown = (raw.kinds as string[]).filter((k) => !available.includes(k));
      if (unknown.length) throw new TypeError(`unknown kind "${unknown[0]}"; this sandbox offers ${available.join(', ')}`);
      kinds = [...new Set(raw.kinds as string[])];
    }
    let seed = DEFAULT_SEED;
    if (raw.seed !== undefined) {
      if (typeof raw.seed !== 'number' || !Number.isInteger(raw.seed)) throw new TypeError('seed must be an integer');
      seed = raw.seed;
    }
    this.stop();
    if (perSecond === 0) return this.snapshot();
    this.rng = createRng(seed);
    this.state = { ...this.idle(seed), running: true, perSecond, kinds, startedAt: new Date().toISOString() };
    this.startMs = performance.now();
    this.slots = 0;
    // Ticks at most every 100 ms and catch up on the changes due, so a low rate is exact and a high one cheap.
    const interval = Math.min(100, Math.max(5, 1000 / perSecond));
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
    this.tick();
    return this.snapshot();
  }

  /** The current state. */
  snapshot(): ChangeStreamState {
    return { ...this.state, kinds: [...this.state.kinds], byKind: { ...this.state.byKind } };
  }

  /** Stops the stream (its counts stay readable). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.state.running = false;
  }

  private idle(seed: number): ChangeStreamState {
    return { running: false, perSecond: 0, kinds: Object.keys(this.kinds), available: Object.keys(this.kinds), seed, applied: 0, byKind: {}, skipped: 0, startedAt: null };
  }

  private tick(): void {
    const s = this.state;
    const due = Math.floor(((performance.now() - this.startMs) * s.perSecond) / 1000) + 1;
    let owed = due - this.slots;
    // After a stall (a busy event loop) the stream resumes its rate instead of bursting a backlog.
    const cap = Math.max(1, Math.ceil(s.perSecond / 10));
    if (owed > Math.max(1, s.perSecond)) {
      this.slots += owed - cap;
      owed = cap;
    }
    for (; owed > 0; owed--) {
      this.slots += 1;
      this.one();
    }
  }

  private one(): void {
    const s = this.state;
    // A kind with no fitting record right now gives way to another one, so the rate holds.
    for (let attempt = 0; attempt < 4; attempt++) {
      const kind = this.rng.pick(s.kinds);
      const fn = this.kinds[kind]!;
      let done = false;
      try {
        done = this.apply(() => fn(this.rng));
      } catch {
        done = false;
      }
      if (done) {
        s.applied += 1;
        s.byKind[kind] = (s.byKind[kind] ?? 0) + 1;
        return;
      }
    }
    s.skipped += 1;
  }
}

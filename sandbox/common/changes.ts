/**
 * The change history of a sandbox: every change of its data (admin edits, the scripted stream,
 * writes through the API) grouped in transactions, each with its commit time in milliseconds, the
 * new values of the fields it changed and their previous values. Listeners see each committed
 * transaction (the feeds announce them); the history keeps the latest ones for
 * `GET /__sandbox/changes`.
 */

/** What made a change. */
export type ChangeSource = 'edit' | 'stream' | 'api';

/** What a change did to its record. */
export type ChangeKind = 'create' | 'update' | 'delete';

/** One record's change in one transaction. */
export interface Change {
  /** Increases by one per change, in commit order. */
  seq: number;
  /** Commit time, ISO 8601 with milliseconds. */
  at: string;
  /** The Odoo model (Odoo) or the object (Salesforce, Zendesk) the record belongs to; one of the two is set. */
  model?: string;
  object?: string;
  id: number | string;
  kind: ChangeKind;
  /** New values of the changed fields (all stored fields on create; empty on delete). */
  values: Record<string, unknown>;
  /** Previous values of the same fields (empty on create; the whole record on delete). */
  previous: Record<string, unknown>;
  source: ChangeSource;
  /** Key shared by the changes committed together. */
  transaction: string;
  /** Set on a value the system computes from others (Odoo product quantities from quants); feeds do not announce these. */
  derived?: true;
}

/** Changes committed together, as listeners receive them. */
export interface ChangeTransaction {
  key: string;
  source: ChangeSource;
  at: string;
  atMs: number;
  /** What the backend attached while the transaction ran (acting user, API version, ...). */
  meta: Record<string, unknown>;
  changes: Change[];
}

/** Settings of a change history. */
export interface ChangeLogOptions {
  /** `model` (Odoo) or `object` (Salesforce, Zendesk): the key naming a change's record type. */
  entityKey: 'model' | 'object';
  /** Most changes kept (default 50,000); older ones are dropped first. */
  maxEntries?: number;
  /** Oldest change kept, in milliseconds (default one hour). */
  maxAgeMs?: number;
  /** Wall clock in milliseconds (tests inject one). */
  now?: () => number;
}

/** A query of the history. */
export interface ChangeQuery {
  /** Changes committed at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Changes committed before this time. */
  untilMs?: number;
  entity?: string;
  id?: string;
  limit?: number;
}

interface Pending {
  entity: string;
  id: number | string;
  kind: ChangeKind;
  values: Record<string, unknown>;
  previous: Record<string, unknown>;
  derived: boolean;
}

interface Open {
  source: ChangeSource;
  meta: Record<string, unknown>;
  pending: Map<string, Pending>;
  implicit: boolean;
}

const clone = <T>(value: T): T => (value !== null && typeof value === 'object' ? (structuredClone(value) as T) : value);
const same = (a: unknown, b: unknown): boolean => a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));

/** Records changes into transactions and keeps a bounded history of them. */
export class ChangeLog {
  readonly entityKey: 'model' | 'object';
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private entries: Change[] = [];
  private seq = 0;
  private txnSeq = 0;
  /** History is complete from this time on (the last reset, or the newest change dropped by retention). */
  private completeSinceMs: number;
  private open: Open | undefined;
  private readonly listeners = new Set<(txn: ChangeTransaction) => void>();
  private readonly beforeCommit = new Set<(meta: Record<string, unknown>) => void>();

  constructor(options: ChangeLogOptions) {
    this.entityKey = options.entityKey;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new TypeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    if (!(this.maxAgeMs > 0)) throw new TypeError(`maxAgeMs must be a positive number, got ${this.maxAgeMs}`);
    this.completeSinceMs = this.now();
  }

  /** Runs `fn` as one transaction of `source` (joining the open one, if any) and commits what it changed, even when it throws. */
  run<T>(source: ChangeSource, fn: () => T, meta: Record<string, unknown> = {}): T {
    if (this.open && !this.open.implicit) return fn();
    if (this.open) this.commit();
    this.open = { source, meta: { ...meta }, pending: new Map(), implicit: false };
    try {
      return fn();
    } finally {
      this.commit();
    }
  }

  /** Adds to what the open transaction tells its listeners (e.g. the acting user). */
  annotate(meta: Record<string, unknown>): void {
    if (this.open) Object.assign(this.open.meta, meta);
  }

  /** A record was created with these stored values. */
  created(entity: string, id: number | string, values: object): void {
    const txn = this.current();
    txn.pending.set(`${entity}:${id}`, { entity, id, kind: 'create', values: clone(values) as Record<string, unknown>, previous: {}, derived: false });
  }

  /** A field of a record is changing from `previous` to `value`. */
  changed(entity: string, id: number | string, field: string, previous: unknown, value: unknown, derived = false): void {
    const txn = this.current();
    const key = derived ? `${entity}:${id}:derived` : `${entity}:${id}`;
    let entry = txn.pending.get(key);
    if (!entry) txn.pending.set(key, (entry = { entity, id, kind: 'update', values: {}, previous: {}, derived }));
    if (entry.kind === 'delete') return;
    if (entry.kind === 'update' && !(field in entry.previous)) entry.previous[field] = clone(previous);
    entry.values[field] = clone(value);
  }

  /** A record is being deleted; `previous` holds its stored values. */
  deleted(entity: string, id: number | string, previous: object): void {
    const txn = this.current();
    const key = `${entity}:${id}`;
    const entry = txn.pending.get(key);
    if (entry?.kind === 'create') {
      txn.pending.delete(key);
      return;
    }
    txn.pending.set(key, { entity, id, kind: 'delete', values: {}, previous: { ...(clone(previous) as Record<string, unknown>), ...(entry?.previous ?? {}) }, derived: false });
  }

  /** Calls `hook` right before each commit, while changes can still be added (for derived values). */
  onBeforeCommit(hook: (meta: Record<string, unknown>) => void): () => void {
    this.beforeCommit.add(hook);
    return () => this.beforeCommit.delete(hook);
  }

  /** Calls `listener` with each committed transaction. */
  onCommit(listener: (txn: ChangeTransaction) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes matching a query, oldest first, and the time since which the history is complete. */
  query(q: ChangeQuery = {}): { changes: Change[]; completeSince: string } {
    this.prune();
    let start = 0;
    if (q.sinceMs !== undefined) {
      // entries are in commit order, so their times never decrease
      let lo = 0;
      let hi = this.entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (Date.parse(this.entries[mid]!.at) < q.sinceMs) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const out: Change[] = [];
    for (let i = start; i < this.entries.length; i++) {
      const c = this.entries[i]!;
      if (q.untilMs !== undefined && Date.parse(c.at) >= q.untilMs) break;
      if (q.entity !== undefined && c[this.entityKey] !== q.entity) continue;
      if (q.id !== undefined && String(c.id) !== q.id) continue;
      out.push(c);
      if (q.limit !== undefined && out.length >= q.limit) break;
    }
    return { changes: out, completeSince: new Date(this.completeSinceMs).toISOString() };
  }

  /** Number of changes kept. */
  get size(): number {
    return this.entries.length;
  }

  /** Forgets every change (the history is complete from now on). */
  clear(): void {
    this.entries = [];
    this.completeSinceMs = this.now();
  }

  private current(): Open {
    if (this.open) return this.open;
    // A change outside run() (an in-process write, e.g. from a test) is committed once the current task ends.
    this.open = { source: 'edit', meta: {}, pending: new Map(), implicit: true };
    queueMicrotask(() => {
      if (this.open?.implicit) this.commit();
    });
    return this.open;
  }

  private commit(): void {
    const txn = this.open;
    if (!txn) return;
    for (const hook of this.beforeCommit) hook(txn.meta);
    this.open = undefined;
    // A transaction that changed nothing (every read of the API runs in one) commits nothing.
    if (txn.pending.size === 0) return;
    const atMs = this.now();
    const at = new Date(atMs).toISOString();
    const key = `${atMs.toString(36)}-${(++this.txnSeq).toString(36)}`;
    const changes: Change[] = [];
    for (const p of txn.pending.values()) {
      if (p.kind === 'update') {
        for (const field of Object.keys(p.values)) {
          if (same(p.values[field], p.previous[field])) {
            delete p.values[field];
            delete p.previous[field];
          }
        }
        if (Object.keys(p.values).length === 0) continue;
      }
      const change: Change = { seq: ++this.seq, at, [this.entityKey]: p.entity, id: p.id, kind: p.kind, values: p.values, previous: p.previous, source: txn.source, transaction: key };
      if (p.derived) change.derived = true;
      changes.push(change);
    }
    if (changes.length === 0) return;
    this.entries.push(...changes);
    this.prune();
    const committed: ChangeTransaction = { key, source: txn.source, at, atMs, meta: txn.meta, changes };
    for (const listener of this.listeners) {
      try {
        listener(committed);
      } catch {
        // a feed's failure must never fail the write that caused it
      }
    }
  }

  private prune(): void {
    const oldest = this.now() - this.maxAgeMs;
    let drop = Math.max(0, this.entries.length - this.maxEntries);
    while (drop < this.entries.length && Date.parse(this.entries[drop]!.at) < oldest) drop++;
    if (drop === 0) return;
    this.completeSinceMs = Math.max(this.completeSinceMs, Date.parse(this.entries[drop - 1]!.at) + 1);
    this.entries.splice(0, drop);
  }
}

/**
 * Staleness of answers against the sandboxes' change history: an answer is stale when a value it
 * shows had already been replaced when its request was sent; how long before is its staleness.
 */

/** One recorded change, as `GET /__sandbox/changes` lists it. */
export interface RecordedChange {
  at: string;
  model?: string;
  object?: string;
  id: string | number;
  values: Record<string, unknown>;
  previous: Record<string, unknown>;
}

/** One value an answer showed: which backend field of which record, normalized for comparison. */
export interface ShownValue {
  entity: string;
  id: string;
  field: string;
  value: string;
}

/** The history of every (entity, id, field): change times with the values before and after. */
export class ChangeHistory {
  readonly #byField = new Map<string, Array<{ at: number; before: string; after: string }>>();

  constructor(
    changes: readonly RecordedChange[],
    readonly normalize: (entity: string, field: string, value: unknown) => string,
  ) {
    for (const c of changes) {
      const entity = c.model ?? c.object ?? '';
      for (const [field, after] of Object.entries(c.values)) {
        if (!(field in c.previous)) continue;
        const key = `${entity}|${c.id}|${field}`;
        let list = this.#byField.get(key);
        if (!list) this.#byField.set(key, (list = []));
        list.push({ at: Date.parse(c.at), before: normalize(entity, field, c.previous[field]), after: normalize(entity, field, after) });
      }
    }
    for (const list of this.#byField.values()) list.sort((a, b) => a.at - b.at);
  }

  /**
   * How long before `sentAt` the value shown had been replaced: 0 when it was current at some
   * moment between the request's sending and its answer's arrival (`receivedAt`; an answer read
   * after a change made while it was under way shows the new value), or when no change of it was
   * recorded before; else the time since the value shown was last replaced before the request.
   */
  staleness(shown: ShownValue, sentAt: number, receivedAt = sentAt): number {
    const list = this.#byField.get(`${shown.entity}|${shown.id}|${shown.field}`);
    if (!list) return 0;
    let last = -1;
    while (last + 1 < list.length && list[last + 1]!.at <= sentAt) last++;
    // Current when the request was sent (or never changed before it) ...
    if (last < 0 ? list[0]!.before === shown.value : list[last]!.after === shown.value) return 0;
    // ... or set by a change made while the request was under way.
    for (let k = last + 1; k < list.length && list[k]!.at <= receivedAt; k++) if (list[k]!.after === shown.value) return 0;
    if (last < 0) return 0;
    // The change that replaced the value shown: the latest one before the request whose old value it was.
    for (let k = last; k >= 0; k--) if (list[k]!.before === shown.value) return sentAt - list[k]!.at;
    return sentAt - list[last]!.at;
  }
}

/** Share of stale answers and staleness percentiles (ms) over the stale ones. */
export function summarizeStaleness(staleness: number[]): { answers: number; stale: number; staleShare: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const stale = staleness.filter((s) => s > 0).sort((a, b) => a - b);
  const pick = (p: number) => (stale.length === 0 ? 0 : stale[Math.min(stale.length - 1, Math.ceil(p * stale.length) - 1)]!);
  return { answers: staleness.length, stale: stale.length, staleShare: staleness.length === 0 ? 0 : stale.length / staleness.length, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: stale.at(-1) ?? 0 };
}

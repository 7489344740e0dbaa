import type { Share } from './fair-share.js';

interface Entry<T> {
  /** Virtual start tag (start-time fair queuing). */
  start: number;
  /** Arrival order, to break ties. */
  seq: number;
  item: T;
}

interface Flow<T> {
  key: string;
  weight: number;
  /** Virtual finish tag of the flow's newest entry. */
  finish: number;
  entries: Entry<T>[];
  /** Index of the flow's oldest entry in `entries` (shifting arrays is O(n)). */
  head: number;
}

/**
 * Weighted fair queuing over one queue per share: start-time fair queuing (Goyal, Vin and Cheng,
 * 1996) with every item costing one slot. An item's start tag is the later of the virtual time
 * and its flow's last finish tag; its finish tag is the start plus 1/weight; the item with the
 * smallest start tag goes first and sets the virtual time. Backlogged shares are served in
 * proportion to their weights, a share that was idle starts at the virtual time (no credit
 * saved up, no penalty for past use), and items of one share keep their arrival order.
 */
export class FairQueue<T> {
  readonly #flows = new Map<string, Flow<T>>();
  #virtual = 0;
  #size = 0;
  #seq = 0;

  /** Items waiting, in every share. */
  get size(): number {
    return this.#size;
  }

  /** Items waiting in one share. */
  queuedIn(key: string): number {
    const flow = this.#flows.get(key);
    return flow ? flow.entries.length - flow.head : 0;
  }

  /** The shares with items waiting, and how many each. */
  backlog(): Map<string, number> {
    return new Map([...this.#flows.values()].map((f) => [f.key, f.entries.length - f.head]));
  }

  /** Queues an item of a share. */
  push(share: Share, item: T): void {
    let flow = this.#flows.get(share.key);
    if (!flow) {
      flow = { key: share.key, weight: share.weight, finish: 0, entries: [], head: 0 };
      this.#flows.set(share.key, flow);
    }
    flow.weight = share.weight;
    const start = Math.max(this.#virtual, flow.finish);
    flow.finish = start + 1 / flow.weight;
    flow.entries.push({ start, seq: this.#seq++, item });
    this.#size += 1;
  }

  /** Takes the item to serve next: the smallest start tag; on a tie the heavier share, then the older item. */
  pop(): T | undefined {
    let best: Flow<T> | undefined;
    for (const flow of this.#flows.values()) {
      if (!best) {
        best = flow;
        continue;
      }
      const a = flow.entries[flow.head]!;
      const b = best.entries[best.head]!;
      if (a.start < b.start || (a.start === b.start && (flow.weight > best.weight || (flow.weight === best.weight && a.seq < b.seq)))) best = flow;
    }
    if (!best) return undefined;
    const entry = best.entries[best.head]!;
    best.head += 1;
    this.#virtual = entry.start;
    this.#size -= 1;
    this.#compact(best);
    return entry.item;
  }

  /**
   * Makes room for an item of `share` in a full queue: takes the newest item of the share with
   * the longest queue for its weight, if that share holds more than its part after the new
   * item joins (a flooding share loses its own newest items, never another's). Returns the
   * item pushed out, or undefined when the new item is the one to refuse.
   */
  pushOutFor(share: Share): T | undefined {
    const ownLength = (this.queuedIn(share.key) + 1) / share.weight;
    let victim: Flow<T> | undefined;
    for (const flow of this.#flows.values()) {
      if (flow.key === share.key) continue;
      const length = (flow.entries.length - flow.head) / flow.weight;
      if (length > ownLength && (!victim || length > (victim.entries.length - victim.head) / victim.weight)) victim = flow;
    }
    if (!victim) return undefined;
    const entry = victim.entries.pop()!;
    // The flow's next item takes the tag the pushed-out one had.
    victim.finish = entry.start;
    this.#size -= 1;
    this.#compact(victim);
    return entry.item;
  }

  #compact(flow: Flow<T>): void {
    if (flow.head >= flow.entries.length) this.#flows.delete(flow.key);
    else if (flow.head > 1024 && flow.head * 2 > flow.entries.length) {
      flow.entries = flow.entries.slice(flow.head);
      flow.head = 0;
    }
  }
}

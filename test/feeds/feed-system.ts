import { startTestSystem, testSettings, type TestSystem } from '../support/system.js';

/** A test system with every change feed on and the long lifetimes in force. */
export async function startFeedSystem(customers = 20, feeds: Partial<TestSystem['feeds'] extends never ? never : Record<string, unknown>> = {}): Promise<TestSystem> {
  const base = testSettings();
  return startTestSystem({
    settings: { ...base, feeds: { ...base.feeds, odoo: true, salesforce: true, zendesk: true, ...feeds } },
    world: { customers },
    rateLimits: false,
  });
}

/** Posts one out-of-band change to a sandbox; the time it committed. */
export async function edit(sandboxUrl: string, change: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${sandboxUrl}/__sandbox/edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) });
  const body = (await res.json()) as { ok?: boolean; at?: string; error?: string };
  if (!body.ok || !body.at) throw new Error(`edit refused: ${body.error ?? res.status}`);
  return Date.parse(body.at);
}

/** Polls `read` every `everyMs` until `shows` holds; the time of the first answer that showed it. */
export async function firstShowing<T>(read: () => Promise<T>, shows: (value: T) => boolean, timeoutMs = 5000, everyMs = 20): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const value = await read();
    if (shows(value)) return Date.now();
    if (Date.now() - t0 > timeoutMs) throw new Error('the change never showed');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The p-th percentile (0..1) of some numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

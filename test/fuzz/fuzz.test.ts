import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { masked, sameAnswer } from '../authz/isolation-targets.js';
import { startTestSystem } from '../support/system.js';
import type { FuzzClass } from './probe.js';
import { startFuzzSession } from './session.js';
import { twinOf } from './world.js';

/**
 * The fuzz suite's bounded part: every fixed reproduction of a reported defect as its own test,
 * then a few generated probes per class, all over real HTTP against the whole system running
 * in a child process (a request that kills it fails its test and the next test gets a new one).
 * Deterministic: one seed, the seeded world. `npm run fuzz` runs the same classes at length.
 */
const SEED = 360;
const RUNS: Partial<Record<FuzzClass, number>> = { http: 25, graphql: 12, tokens: 20, values: 30, mutations: 25, partner: 12 };

// The reproductions are named after records of the started system, so it starts while the file is collected.
const session = await startFuzzSession({ heapMb: 768 });
afterAll(async () => {
  await session.close();
});

describe('fixed reproductions', () => {
  for (const probe of session.reproductions) {
    it(`${probe.class}: ${probe.label}`, async () => {
      const outcome = await session.runner.run(probe);
      expect(outcome.problems).toEqual([]);
    }, 40_000);
  }

  it("partner: another reseller's invoice asked again past its lifetime answers like a nonexistent id, extensions.stale included", async () => {
    // In process, on a clock the test moves: the record cache reads Date.now, timers stay real.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const local = await startTestSystem({ responseCache: false, fetchCache: false });
    try {
      const partner = session.world.resellers[0]!;
      const foreign = session.world.customers.find((c) => c.reseller && c.reseller !== partner && c.invoiceId)!.invoiceId!;
      const twin = twinOf('invoice', foreign);
      const token = await local.token('partner', partner);
      const ask = async (v: string) => {
        const res = await fetch(local.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: 'query($v: ID!) { invoice(id: $v) { id number } }', variables: { v } }),
        });
        return `${res.status} ${masked(await res.text(), v)}`;
      };
      expect(await ask(foreign)).toBe(await ask(twin));
      // Past the billing class's 60 s TTL, within its stale window: both records are served stale while refreshed.
      vi.setSystemTime(Date.now() + 61_000);
      const unknown = await ask(twin);
      const seen = await ask(foreign);
      expect(sameAnswer(seen, unknown), `foreign: ${seen}\nnonexistent: ${unknown}`).toBe(true);
    } finally {
      await local.close();
      vi.useRealTimers();
    }
  }, 60_000);
});

describe('generated probes', () => {
  for (const [cls, runs] of Object.entries(RUNS) as Array<[FuzzClass, number]>) {
    it(`${cls}: ${runs} generated probes keep every promise`, async () => {
      let failed: { label: string; problems: string[] } | undefined;
      const property = fc.asyncProperty(session.classes[cls], async (probe) => {
        const outcome = await session.runner.run(probe);
        if (outcome.problems.length === 0) return true;
        failed = { label: probe.label, problems: outcome.problems };
        return false;
      });
      // No shrinking: the first failing probe is reported as sent, and the system is not hammered further.
      await fc.assert(property, { seed: SEED, numRuns: runs, endOnFailure: true }).catch(() => undefined);
      expect(failed?.problems ?? [], failed?.label).toEqual([]);
    }, 60_000);
  }
});

import { describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/chaos/run.js';
import { MUTATIONS } from '../../scripts/chaos/workload.js';

/**
 * A short chaos run (the same as `npm run chaos`, smaller): keyed writes of all six mutations
 * under changing faults before and after commit, the orders subgraph's process killed with SIGKILL
 * and restarted mid-run. Nothing is duplicated, lost or left half-written once the reconciler's
 * bound has passed, every write that landed replays as a success while every backend is down, and
 * every attempt has one audit record saying what the client was told (the gateway's, folded with
 * the subgraph's, for an attempt whose subgraph was killed before it answered).
 */
describe('npm run chaos, short', () => {
  it('duplicates, loses and half-writes nothing; the audit says what the clients were told', async () => {
    const report = await runChaos({ writes: 48, clients: 6, settleSeconds: 6, boundMs: 4000, kill: true, maxAttempts: 6, seed: 11, customers: 400, log: () => {} });
    const t = report.total;
    expect(t.logical).toBe(48);
    for (const m of MUTATIONS) expect(report.byMutation[m].logical).toBe(8);
    expect({ duplicates: t.duplicates, lost: t.lost, halfWritten: t.halfWritten, drafts: report.draftsWithMarker }).toEqual({ duplicates: 0, lost: 0, halfWritten: 0, drafts: 0 });
    expect({ mismatches: t.auditMismatches, withoutKey: t.recordsWithoutKey }).toEqual({ mismatches: 0, withoutKey: 0 });
    expect(report.unrecordedOutcomes).toEqual({});
    expect({ withoutRecord: t.attemptsWithoutRecord, records: t.auditRecords }).toEqual({ withoutRecord: 0, records: t.attempts });
    // Every write that landed replays as a success while the backends are down, those whose client
    // gave up included: the reconciler settled the orders' keys, the store looked the others up.
    expect(t.replayedOkWhileDown).toBe(t.landed);
    for (const m of MUTATIONS) expect(report.byMutation[m].replayedOkWhileDown).toBe(report.byMutation[m].landed);
    expect(t.success).toBeGreaterThan(0);
  }, 90_000);
});

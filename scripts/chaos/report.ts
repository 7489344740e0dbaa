/** The chaos run's figures per mutation, and their table. */
import { attemptRecords, type AuditRecord } from '../../platform/audit/audit-log.js';
import type { Landed } from './verify.js';
import { MUTATIONS, type LogicalWrite, type MutationName } from './workload.js';

/** The figures of one mutation. */
export interface MutationFigures {
  logical: number;
  attempts: number;
  success: number;
  definitive: number;
  gaveUpLanded: number;
  gaveUpNotLanded: number;
  /** Writes held more than once by the backend. */
  duplicates: number;
  /** Writes the client was told succeeded that the backend does not hold. */
  lost: number;
  /** Writes told as a definitive error that the backend holds anyway. */
  definitiveButLanded: number;
  halfWritten: number;
  /** Client audit records of the run's attempts (a lost answer's two records count as one: `attemptRecords`), and attempts without one. */
  auditRecords: number;
  attemptsWithoutRecord: number;
  /** Records whose clientOutcome is not what the client got. */
  auditMismatches: number;
  /** Records without the idempotency key. */
  recordsWithoutKey: number;
  /** Attempts whose subgraph never answered the gateway although it may have received them (reset, killed, timed out). */
  answersLost: number;
  /** Reconciler records (writes it finished or undid). */
  reconciled: number;
  readYourWritesViolations: number;
  /** Landed writes, and how many of them a replay answered as a success with every backend down. */
  landed: number;
  replayedOkWhileDown: number;
}

/** The whole report. */
export interface ChaosReport {
  byMutation: Record<MutationName, MutationFigures>;
  total: MutationFigures;
  faultSeconds: number;
  faultChanges: number;
  killed: boolean;
  settleSeconds: number;
  /** Orders with our marker still drafts after the settle time (any write, the set-up included). */
  draftsWithMarker: number;
  /** What the client got on the attempts that left no audit record (they never reached a subgraph's write). */
  unrecordedOutcomes: Record<string, number>;
  /** Audit records that say something else than the client was told: `mutation: client X, audit Y`, and whether written while the orders subgraph was being killed. */
  mismatchedOutcomes: Record<string, number>;
  /** Landed writes the replay with every backend down did not answer as a success: mutation, key, what each attempt and the replay were told, and the audit's outcomes for the key. */
  replayFailures: string[];
}

interface SummaryInput {
  writes: LogicalWrite[];
  landed: Map<LogicalWrite, Landed>;
  drafts: number;
  audit: AuditRecord[];
  /** What the replay with every backend down answered, for the landed writes it did not answer as a success (every landed write was replayed). */
  replayFailures: Map<LogicalWrite, string>;
  faultSeconds: number;
  faultChanges: number;
  /** When the orders subgraph was killed (ms since the epoch); undefined when it was not. */
  killedAt?: number;
  settleSeconds: number;
}

const empty = (): MutationFigures => ({
  logical: 0, attempts: 0, success: 0, definitive: 0, gaveUpLanded: 0, gaveUpNotLanded: 0, duplicates: 0, lost: 0, definitiveButLanded: 0, halfWritten: 0,
  auditRecords: 0, attemptsWithoutRecord: 0, auditMismatches: 0, recordsWithoutKey: 0, answersLost: 0, reconciled: 0, readYourWritesViolations: 0, landed: 0, replayedOkWhileDown: 0,
});

/** Joins what the clients were told, what the audit says and what the backends hold. */
export function summarize(input: SummaryInput): ChaosReport {
  const byMutation = Object.fromEntries(MUTATIONS.map((m) => [m, empty()])) as Record<MutationName, MutationFigures>;
  const clientRecords = new Map<string, AuditRecord[]>();
  const unrecordedOutcomes: Record<string, number> = {};
  const mismatchedOutcomes: Record<string, number> = {};
  // A record its process wrote in the last moments before the kill (it cannot write after it).
  const atKill = (r: AuditRecord) => input.killedAt !== undefined && Math.abs(Date.parse(r.time) - input.killedAt) <= 2000;
  for (const r of attemptRecords(input.audit)) {
    if (r.actor === 'reconciler') {
      if (MUTATIONS.includes(r.operation as MutationName) && r.idempotencyKey?.startsWith('chaos-')) byMutation[r.operation as MutationName].reconciled += 1;
      continue;
    }
    if (!r.correlationId) continue;
    const list = clientRecords.get(r.correlationId);
    if (list) list.push(r);
    else clientRecords.set(r.correlationId, [r]);
  }
  for (const w of input.writes) {
    const f = byMutation[w.mutation];
    const held = input.landed.get(w) ?? { copies: 0, halfWritten: false };
    f.logical += 1;
    f.attempts += w.attempts.length;
    if (held.copies > 1) f.duplicates += 1;
    if (held.copies > 0) f.landed += 1;
    if (held.copies > 0 && !input.replayFailures.has(w)) f.replayedOkWhileDown += 1;
    if (held.halfWritten) f.halfWritten += 1;
    if (w.result === 'success') {
      f.success += 1;
      if (held.copies === 0) f.lost += 1;
    } else if (w.result === 'definitive') {
      f.definitive += 1;
      if (held.copies > 0) f.definitiveButLanded += 1;
    } else if (held.copies > 0) f.gaveUpLanded += 1;
    else f.gaveUpNotLanded += 1;
    if (w.readYourWritesViolation) f.readYourWritesViolations += 1;
    for (const a of w.attempts) {
      const records = clientRecords.get(a.requestId) ?? [];
      f.auditRecords += records.length;
      if (records.length === 0) {
        f.attemptsWithoutRecord += 1;
        unrecordedOutcomes[`${w.mutation}:${a.outcome}`] = (unrecordedOutcomes[`${w.mutation}:${a.outcome}`] ?? 0) + 1;
      }
      for (const r of records) {
        if (r.clientOutcome !== a.outcome) {
          f.auditMismatches += 1;
          const what = `${w.mutation}: client ${a.outcome}, audit ${r.clientOutcome}${atKill(r) ? ' (written as the orders subgraph was killed)' : ''}`;
          mismatchedOutcomes[what] = (mismatchedOutcomes[what] ?? 0) + 1;
        }
        if (r.idempotencyKey !== w.key) f.recordsWithoutKey += 1;
        if (r.answerLost) f.answersLost += 1;
      }
    }
  }
  const byKey = new Map<string, AuditRecord[]>();
  for (const r of input.audit) {
    if (!r.idempotencyKey) continue;
    const list = byKey.get(r.idempotencyKey);
    if (list) list.push(r);
    else byKey.set(r.idempotencyKey, [r]);
  }
  const replayFailures = [...input.replayFailures].map(([w, code]) => {
    const audit = (byKey.get(w.key) ?? []).map((r) => `${r.actor === 'reconciler' ? 'reconciler ' : ''}${r.clientOutcome}${r.backendOutcome ? `/${r.backendOutcome}` : ''}${r.replayed ? ' replayed' : ''}${r.answerLost ? ' (answer lost)' : ''}`);
    return `${w.mutation} ${w.key}: attempts ${w.attempts.map((a) => a.outcome).join(', ')}; replay ${code}; audit ${audit.join(', ')}`;
  });
  const total = empty();
  for (const f of Object.values(byMutation)) for (const k of Object.keys(total) as (keyof MutationFigures)[]) total[k] += f[k];
  return { byMutation, total, faultSeconds: input.faultSeconds, faultChanges: input.faultChanges, killed: input.killedAt !== undefined, settleSeconds: input.settleSeconds, draftsWithMarker: input.drafts, unrecordedOutcomes, mismatchedOutcomes, replayFailures };
}

const COLUMNS: [keyof MutationFigures, string][] = [
  ['logical', 'writes'], ['attempts', 'attempts'], ['success', 'ok'], ['definitive', 'definitive'], ['gaveUpLanded', 'gave up/landed'], ['gaveUpNotLanded', 'gave up/not'],
  ['duplicates', 'dup'], ['lost', 'lost'], ['definitiveButLanded', 'err but landed'], ['halfWritten', 'half'], ['auditRecords', 'audit'], ['attemptsWithoutRecord', 'no record'],
  ['auditMismatches', 'audit≠client'], ['recordsWithoutKey', 'no key'], ['answersLost', 'answer lost'], ['reconciled', 'reconciled'], ['readYourWritesViolations', 'RYW viol'], ['landed', 'landed'], ['replayedOkWhileDown', 'replay ok (down)'],
];

/** The report as a text table. */
export function formatReport(report: ChaosReport): string {
  const rows = [['mutation', ...COLUMNS.map(([, h]) => h)], ...MUTATIONS.map((m) => [m, ...COLUMNS.map(([k]) => String(report.byMutation[m][k]))]), ['total', ...COLUMNS.map(([k]) => String(report.total[k]))]];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  return [
    ...lines,
    '',
    `faults for ${report.faultSeconds.toFixed(0)} s (${report.faultChanges} changes), orders subgraph killed with SIGKILL and restarted: ${report.killed ? 'yes' : 'no'}; checked ${report.settleSeconds} s after the faults stopped`,
    `orders with our marker still drafts: ${report.draftsWithMarker}`,
    `attempts without an audit record, by what the client got: ${JSON.stringify(report.unrecordedOutcomes)}`,
    `audit records saying something else than the client was told: ${JSON.stringify(report.mismatchedOutcomes)}`,
    ...(report.replayFailures.length > 0 ? ['landed writes not answered as a success by the replay with every backend down:', ...report.replayFailures.map((f) => `  ${f}`)] : []),
  ].join('\n');
}

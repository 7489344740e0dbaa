import { countCalls, isWrite, type Answer, type Expectation } from './probe.js';

/** A stack frame, a stack trace field or an installed module's path in a body. */
export const STACK_TRACE = /\bat .*\.(ts|js):\d+|stacktrace|node_modules/i;

/** What one answer broke, by acceptance figure. */
export interface Findings {
  fiveXx: boolean;
  stackTrace: boolean;
  /** Errors without `extensions.code` (an error status without a coded JSON error counts one). */
  codeless: number;
  timeout: boolean;
  /** No complete answer for another reason than the timeout (reset, refused, the process died). */
  noAnswer: boolean;
  /** Backend calls made where the expectation allows none. */
  unexpectedCalls: number;
  /** The expectation's own failures, described. */
  violations: string[];
}

function errorsOf(answer: Answer): Array<{ message?: unknown; path?: unknown[]; extensions?: { code?: unknown } }> {
  return Array.isArray(answer.json?.errors) ? answer.json.errors : [];
}

/** Judges one answer against what every answer must be and against its expectation. */
export function judge(answer: Answer, expect: Expectation): Findings {
  const findings: Findings = { fiveXx: false, stackTrace: false, codeless: 0, timeout: false, noAnswer: false, unexpectedCalls: 0, violations: [] };
  if (answer.failure) {
    if (answer.failure === 'timeout') findings.timeout = true;
    else findings.noAnswer = true;
    findings.violations.push(`no answer: ${answer.failure} after ${answer.ms} ms`);
    return findings;
  }
  const status = answer.status ?? 0;
  findings.fiveXx = status >= 500;
  findings.stackTrace = STACK_TRACE.test(answer.text);
  const errors = errorsOf(answer);
  findings.codeless = errors.filter((e) => typeof e?.extensions?.code !== 'string' || e.extensions.code === '').length;
  if (status >= 400 && errors.length === 0) findings.codeless += 1;

  const v = findings.violations;
  if (findings.fiveXx) v.push(`status ${status}`);
  if (findings.stackTrace) v.push(`stack trace or path in the body: ${STACK_TRACE.exec(answer.text)?.[0]}`);
  if (findings.codeless > 0) v.push(`${findings.codeless} error(s) without extensions.code`);
  if (expect.status && !expect.status.includes(status)) v.push(`status ${status}, expected ${expect.status.join(' or ')}`);
  const codes = errors.map((e) => String(e?.extensions?.code));
  if (expect.codes) {
    if (codes.length === 0) v.push(`no error, expected ${expect.codes.join(' or ')}`);
    const wrong = codes.filter((c) => !expect.codes!.includes(c));
    if (wrong.length > 0) v.push(`codes [${wrong.join(' ')}], expected only ${expect.codes.join(' or ')}`);
  }
  if (expect.errorAt) {
    const { field, code } = expect.errorAt;
    if (!errors.some((e) => Array.isArray(e.path) && e.path[0] === field && e.extensions?.code === code)) v.push(`no ${code} error at ${field} (got [${codes.join(' ')}])`);
  }
  if (expect.noData) {
    const data = answer.json?.data;
    if (data !== undefined && data !== null && Object.values(data as object).some((x) => x !== null)) v.push(`data returned: ${JSON.stringify(data).slice(0, 120)}`);
  }
  if (answer.calls) {
    if (expect.noBackendCalls) findings.unexpectedCalls = countCalls(answer.calls);
    if (findings.unexpectedCalls > 0) v.push(`backend calls: ${printCalls(answer.calls)}`);
    if (expect.noWrites && countCalls(answer.calls, (op) => isWrite(op)) > 0) v.push(`backend writes: ${printCalls(answer.calls, isWrite)}`);
  }
  if (expect.check) v.push(...expect.check(answer));
  return findings;
}

/** Calls as `backend:op=n` text. */
export function printCalls(calls: Record<string, number> | undefined, match: (op: string) => boolean = () => true): string {
  return Object.entries(calls ?? {})
    .filter(([op]) => match(op))
    .map(([op, n]) => `${op}=${n}`)
    .sort()
    .join(', ');
}

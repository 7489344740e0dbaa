import type { SandboxStats } from '../../sandbox/common/server.js';
import { BACKENDS, treeRss, type Backend, type ChildSystem } from './child-system.js';
import { judge, type Findings } from './oracle.js';
import type { Answer, Caller, FuzzClass, Probe } from './probe.js';
import { sendRaw } from './send.js';

/** Everything counted for one class. */
export interface ClassFigures {
  probes: number;
  requests: number;
  statuses: Record<string, number>;
  fiveXx: number;
  stackTraces: number;
  codeless: number;
  timeouts: number;
  noAnswer: number;
  backendCalls: number;
  unexpectedCalls: number;
  /** Requests (or probes, for joint checks) whose expectation failed. */
  violations: number;
  deaths: number;
  peakRssBytes: number;
  /** The first few problems, described. */
  examples: string[];
}

/** What one probe found. */
export interface ProbeOutcome {
  answers: Answer[];
  /** Every problem, described (empty: the probe passed). */
  problems: string[];
  died: boolean;
}

/** Settings of the runner. */
export interface RunnerOptions {
  /** Client timeout of each request (default 10 s). */
  timeoutMs?: number;
  /** Signs a development token for a role. */
  token(role: string, partnerId?: string): Promise<string>;
}

function emptyFigures(): ClassFigures {
  return { probes: 0, requests: 0, statuses: {}, fiveXx: 0, stackTraces: 0, codeless: 0, timeouts: 0, noAnswer: 0, backendCalls: 0, unexpectedCalls: 0, violations: 0, deaths: 0, peakRssBytes: 0, examples: [] };
}

type Stats = Record<Backend, SandboxStats>;

function delta(before: Stats, after: Stats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of BACKENDS) {
    for (const [op, n] of Object.entries(after[b].byOperation)) {
      const d = n - (before[b].byOperation[op] ?? 0);
      if (d > 0) out[`${b}:${op}`] = d;
    }
  }
  return out;
}

/**
 * Runs probes against the child system one request at a time: counts backend calls per request
 * (waiting for the backends to go quiet before and after), notices a dead or wedged system,
 * restarts it, and samples the memory of its process tree.
 */
export class Runner {
  readonly figures = new Map<FuzzClass, ClassFigures>();
  #quiet?: Stats;
  readonly #kinds = new Map<ClassFigures, Set<string>>();
  #current?: FuzzClass;
  #sampler?: NodeJS.Timeout;
  readonly #timeoutMs: number;

  constructor(
    readonly system: ChildSystem,
    readonly options: RunnerOptions,
  ) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The figures of a class (created empty). */
  of(cls: FuzzClass): ClassFigures {
    let f = this.figures.get(cls);
    if (!f) this.figures.set(cls, (f = emptyFigures()));
    return f;
  }

  /** Samples the system's resident memory every `everyMs`, as the peak of the class running then. */
  startSampling(everyMs = 200): void {
    this.#sampler = setInterval(() => {
      const pid = this.system.pid;
      if (pid === undefined || !this.#current) return;
      const f = this.of(this.#current);
      f.peakRssBytes = Math.max(f.peakRssBytes, treeRss(pid));
    }, everyMs);
    this.#sampler.unref();
  }

  /** Stops sampling. */
  stopSampling(): void {
    clearInterval(this.#sampler);
  }

  /** Waits until no backend call is running: two reads of the counters agree. */
  async #settle(): Promise<Stats | undefined> {
    let before = await this.system.stats();
    for (let i = 0; before && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 15));
      const after = await this.system.stats();
      if (!after) return undefined;
      if (BACKENDS.every((b) => after[b].calls === before![b].calls)) return after;
      before = after;
    }
    return before;
  }

  async #authorization(caller: Caller): Promise<Record<string, string>> {
    if (caller === null) return {};
    if ('authorization' in caller) return { authorization: caller.authorization };
    return { authorization: `Bearer ${await this.options.token(caller.role, caller.partnerId)}` };
  }

  /** Runs a probe's steps and its joint check, counting everything in its class. */
  async run(probe: Probe): Promise<ProbeOutcome> {
    const f = this.of(probe.class);
    this.#current = probe.class;
    f.probes++;
    const answers: Answer[] = [];
    const problems: string[] = [];
    let died = false;
    for (const step of probe.steps) {
      if (!this.system.alive) await this.system.restart('exit', 'found dead before a request');
      const before = this.#quiet ?? (await this.#settle());
      const headers = { ...step.request.headers, ...(await this.#authorization(step.caller)) };
      const raw = await sendRaw(this.system.urls.gateway, { ...step.request, headers }, step.timeoutMs ?? this.#timeoutMs, this.system.exited);
      const answer: Answer = raw;
      f.requests++;
      this.#quiet = undefined;
      if (raw.failure || !this.system.alive) {
        // The system may be dying, or wedged: a moment to exit, two chances to answer its health check, then a restart.
        await Promise.race([this.system.exited, new Promise((r) => setTimeout(r, 300))]);
        let healthy = this.system.alive && (await this.system.healthy(1000));
        if (!healthy && this.system.alive) healthy = await this.system.healthy(1000);
        if (!healthy) {
          died = true;
          f.deaths++;
          problems.push(`the system ${this.system.alive ? 'stopped answering' : 'died'} (${probe.label})`);
          await this.system.restart(this.system.alive ? 'hung' : 'exit', `${probe.class}: ${probe.label}`);
        }
      }
      if (!died) {
        const after = await this.#settle();
        if (before && after) answer.calls = delta(before, after);
        this.#quiet = after;
        // A process that crashes right after answering (an unhandled rejection) is dead all the same.
        if (!this.system.alive) {
          died = true;
          f.deaths++;
          problems.push(`the system died after answering (${probe.label})`);
          await this.system.restart('exit', `${probe.class}: ${probe.label}`);
        }
      }
      try {
        answer.json = raw.text ? JSON.parse(raw.text) : undefined;
      } catch {
        answer.json = undefined;
      }
      answers.push(answer);
      this.#count(f, answer, judge(answer, step.expect), step.expect.kind, probe.label, problems);
      if (died) break;
    }
    if (!died && probe.joint) {
      const joint = probe.joint(answers);
      if (joint.length > 0) {
        f.violations++;
        for (const j of joint) this.#example(f, `${probe.label}: ${j}`, j);
        problems.push(...joint);
      }
    }
    return { answers, problems, died };
  }

  #count(f: ClassFigures, answer: Answer, findings: Findings, kind: string, label: string, problems: string[]): void {
    const status = answer.failure ? answer.failure : String(answer.status);
    f.statuses[status] = (f.statuses[status] ?? 0) + 1;
    f.backendCalls += Object.values(answer.calls ?? {}).reduce((a, b) => a + b, 0);
    if (findings.fiveXx) f.fiveXx++;
    if (findings.stackTrace) f.stackTraces++;
    f.codeless += findings.codeless;
    if (findings.timeout) f.timeouts++;
    if (findings.noAnswer) f.noAnswer++;
    f.unexpectedCalls += findings.unexpectedCalls;
    if (findings.violations.length > 0) {
      f.violations++;
      this.#example(f, `${label} [${kind}]: ${findings.violations.join('; ')}`, findings.violations.join('; '));
      problems.push(...findings.violations);
    }
  }

  /** Keeps the first example of each kind of problem (numbers and quoted values aside), a few per class. */
  #example(f: ClassFigures, text: string, problem: string): void {
    const kind = problem.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 80);
    let kinds = this.#kinds.get(f);
    if (!kinds) this.#kinds.set(f, (kinds = new Set()));
    if (kinds.has(kind) || f.examples.length >= 12) return;
    kinds.add(kind);
    f.examples.push(text.slice(0, 400));
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SandboxStats } from '../../sandbox/common/server.js';

/**
 * The whole system as `npm start` runs it, in a child process (scripts/start.ts with every port
 * the OS's pick), so that a request that kills or wedges it is seen from outside, counted and
 * followed by a restart, instead of taking the test worker down with it.
 */

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
/** The three sandboxed backends, as their stats are keyed. */
export const BACKENDS = ['odoo', 'salesforce', 'zendesk'] as const;
/** One of them. */
export type Backend = (typeof BACKENDS)[number];

/** Where the running instance listens. */
export interface SystemUrls {
  gateway: string;
  sandboxes: Record<Backend, string>;
}

/** Why an instance ended. */
export interface Death {
  at: number;
  /** `exit` (it ended by itself: crash, out of memory) or `hung` (unresponsive, killed). */
  kind: 'exit' | 'hung';
  detail: string;
}

/** Options of the child system. */
export interface ChildSystemOptions {
  /** V8 old-space cap of the system process, in MB, so that runaway memory ends in seconds (default 1024). */
  heapMb?: number;
  /** Seeded customers (default 200, as npm start). */
  customers?: number;
  /** Called with every line the process prints on stderr. */
  onStderr?(line: string): void;
  /** Runs after each start, before the instance is handed out (log-ins, warm-up). */
  onReady?(urls: SystemUrls): Promise<void>;
}

/** A process tree's resident memory in bytes (the process and its descendants), 0 when gone. */
export function treeRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+)/.exec(status);
      if (kb) total += Number(kb[1]) * 1024;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (children) stack.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process ended while being read.
    }
  }
  return total;
}

/** The running system in a child process, restartable. */
export class ChildSystem {
  urls!: SystemUrls;
  /** Instances started after the first. */
  restarts = 0;
  deaths: Death[] = [];
  readonly auditLogDir = mkdtempSync(join(tmpdir(), 'c360-fuzz-'));
  #child?: ChildProcess;
  #exited?: Promise<void>;
  #stderr: string[] = [];
  readonly #options: ChildSystemOptions;

  constructor(options: ChildSystemOptions = {}) {
    this.#options = options;
    // A detached child outlives its parent: it is killed with this process, however this one ends.
    process.once('exit', () => this.kill());
  }

  /** The process id of the running instance. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  /** Whether the instance's process is still there. */
  get alive(): boolean {
    return !!this.#child && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves when the running instance's process ends. */
  get exited(): Promise<void> {
    return this.#exited ?? Promise.resolve();
  }

  /** Starts an instance and waits until it prints its URLs. */
  async start(): Promise<SystemUrls> {
    const ports = ['GATEWAY_PORT', 'ACCOUNTS_PORT', 'ORDERS_PORT', 'STOCK_PORT', 'INVOICES_PORT', 'CASES_PORT', 'ODOO_SANDBOX_PORT', 'SALESFORCE_SANDBOX_PORT', 'ZENDESK_SANDBOX_PORT'];
    const env = { ...process.env, ...Object.fromEntries(ports.map((p) => [p, '0'])) };
    env.AUDIT_LOG_PATH = join(this.auditLogDir, `audit-${this.restarts}.jsonl`);
    env.SANDBOX_CUSTOMERS = String(this.#options.customers ?? 200);
    // The partner classes probe the row filter below trusted documents, and the fuzzer's pace is
    // no client's: free text, and rates no burst of the fuzzer reaches (both layers have tests of their own).
    env.TRUSTED_DOCUMENTS = 'off';
    for (const role of ['PARTNER', 'SUPPORT_AGENT', 'SALES_REP', 'FINANCE', 'ADMIN']) env[`RATE_LIMIT_${role}`] = '100000/100000';
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [`--max-old-space-size=${this.#options.heapMb ?? 1024}`, '--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env,
      // Its own process group: a wedged instance is killed with everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#stderr = [];
    this.#exited = new Promise((done) => child.once('exit', () => done()));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        this.#stderr.push(line);
        if (this.#stderr.length > 40) this.#stderr.shift();
        this.#options.onStderr?.(line);
      }
    });
    const urls = await new Promise<SystemUrls>((done, fail) => {
      let out = '';
      const sandboxes: Partial<Record<Backend, string>> = {};
      const timer = setTimeout(() => fail(new Error(`the system did not start within 60 s:\n${out}\n${this.#stderr.join('\n')}`)), 60_000);
      const early = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        fail(new Error(`the system exited during start-up (${code ?? signal}):\n${out}\n${this.#stderr.join('\n')}`));
      };
      child.once('exit', early);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        for (const m of out.matchAll(/^\s*(odoo|salesforce|zendesk) sandbox\s+(\S+)/gm)) sandboxes[m[1] as Backend] = m[2]!;
        const gateway = /GraphQL:\s+(\S+)/.exec(out)?.[1];
        if (gateway && BACKENDS.every((b) => sandboxes[b])) {
          clearTimeout(timer);
          child.off('exit', early);
          // Keep draining stdout so that the process never blocks on a full pipe.
          child.stdout!.removeAllListeners('data').resume();
          done({ gateway, sandboxes: sandboxes as Record<Backend, string> });
        }
      });
    });
    this.urls = urls;
    await this.#options.onReady?.(urls);
    return urls;
  }

  /**
   * Records why the instance ended (or kills it when it no longer answers) and starts the next.
   * `kind` is `hung` when the caller found it unresponsive.
   */
  async restart(kind: Death['kind'], detail: string): Promise<void> {
    const stderr = this.#stderr.filter((l) => !/^\s+at /.test(l)).slice(-4).join(' | ');
    const child = this.#child;
    const how = child && !this.alive ? `exit ${child.exitCode ?? child.signalCode}` : 'killed';
    this.deaths.push({ at: Date.now(), kind, detail: `${detail} (${how}${stderr ? `; stderr: ${stderr.slice(0, 300)}` : ''})` });
    // A wedged instance would not heed SIGTERM either.
    if (kind === 'hung') this.kill();
    await this.stop();
    this.restarts++;
    await this.start();
  }

  /** Answers /healthz within the time given. */
  async healthy(timeoutMs = 2000): Promise<boolean> {
    if (!this.alive) return false;
    try {
      const res = await fetch(this.urls.gateway.replace(/\/graphql$/, '/healthz'), { signal: AbortSignal.timeout(timeoutMs) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** Counters of every sandbox; undefined when the instance is gone. */
  async stats(): Promise<Record<Backend, SandboxStats> | undefined> {
    try {
      const all = await Promise.all(BACKENDS.map((b) => fetch(`${this.urls.sandboxes[b]}/__sandbox/stats`, { signal: AbortSignal.timeout(3000) }).then((r) => r.json() as Promise<SandboxStats>)));
      return Object.fromEntries(BACKENDS.map((b, i) => [b, all[i]!])) as Record<Backend, SandboxStats>;
    } catch {
      return undefined;
    }
  }

  /** Ends the running instance: SIGTERM, then SIGKILL to its process group after a grace period. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined) return;
    if (this.alive) {
      child.kill('SIGTERM');
      const grace = new Promise((r) => setTimeout(r, 2000, 'late'));
      if ((await Promise.race([this.exited, grace])) === 'late') this.kill();
      await this.exited;
    }
    // Whatever it left behind in its group.
    this.kill();
  }

  /** Kills the instance's process group at once. */
  kill(): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** Stops the instance and removes its audit logs. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.auditLogDir, { recursive: true, force: true });
  }
}

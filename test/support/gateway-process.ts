import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/** A `npm run gateway` child process. */
export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Every JSON log line it wrote so far. */
  lines: Array<Record<string, unknown>>;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
  /** Sends a signal and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts `gateway/src/index.ts` (what `npm run gateway` runs) through tsx with `env` over the
 * test's environment, on a port the OS picks, and resolves once it logs its URL.
 */
export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    cwd: ROOT,
    env: { ...process.env, GATEWAY_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`gateway did not start in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          lines.push(line);
          if (typeof line.url === 'string' && String(line.msg).startsWith('GraphQL on')) {
            clearTimeout(timer);
            done(line.url);
          }
        } catch {
          // Not a log line.
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`gateway exited (${code}) before it started:\n${stderr}\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
    });
  });
  try {
    return {
      url: await url,
      child,
      lines,
      exited,
      async stop(signal = 'SIGTERM', stopTimeoutMs = 20_000) {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

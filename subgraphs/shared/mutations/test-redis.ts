import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A throwaway redis-server for tests. */
export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** A port the OS reports free (bound to 0 and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/**
 * Starts `redis-server` without persistence on a free port; fails with a clear message when it is
 * not installed, because the Redis-backed tests must not pass by skipping.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${output}`)), 10_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new Error('redis-server is not installed (not on PATH): the Redis-backed tests need it, e.g. `apt-get install redis-server`')
          : err,
      );
    });
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${output}`));
    };
    child.once('exit', onEarlyExit);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.removeListener('exit', onEarlyExit);
      child.stdout?.removeListener('data', onData);
      child.stdout?.resume(); // keep draining the log so the server never blocks on a full pipe
      resolve();
    };
    child.stdout?.on('data', onData);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

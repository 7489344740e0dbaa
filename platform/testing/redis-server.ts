import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';

/** A redis-server child process started for a test. */
export interface TestRedisServer {
  url: string;
  port: number;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The URL of a Redis that is not there (a local port nobody listens on): what a client sees while Redis is down. */
export async function unreachableRedisUrl(): Promise<string> {
  return `redis://127.0.0.1:${await freePort()}`;
}

/** The one line `npm test` prints when it has no Redis to test with. */
export const NO_REDIS_MESSAGE = 'redis-server is not on PATH: install it (apt-get install -y redis-server) or set TEST_REDIS_URL to a running Redis (redis://host:port) that the tests may use';

/** Whether `redis-server` can be run. */
export function redisServerInstalled(): boolean {
  const which = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return !which.error && which.status === 0;
}

/**
 * Starts `redis-server` on a free port with persistence off. With `TEST_REDIS_URL` set, it starts
 * a local TCP proxy to that Redis instead, so that `stop()` still takes "the server" away from
 * its clients (tests of Redis outages). Throws, rather than letting the test skip, when neither
 * is there.
 */
export async function startRedisServer(): Promise<TestRedisServer> {
  const external = process.env.TEST_REDIS_URL;
  if (external) return proxyTo(external);
  if (!redisServerInstalled()) throw new Error(NO_REDIS_MESSAGE);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForPort(port, 5_000, () => child.exitCode !== null).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}: ${String(err)}\n${output}`);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gaveUp()) throw new Error('process exited');
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A proxy on a free local port to the Redis at `url`; stopping it drops every connection through it. */
async function proxyTo(url: string): Promise<TestRedisServer> {
  const target = new URL(url);
  const targetPort = Number(target.port || 6379);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  const auth = target.username || target.password ? `${target.username}:${target.password}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}${target.pathname}`,
    port,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

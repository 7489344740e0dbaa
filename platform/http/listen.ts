import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on a port (0: one the OS picked). */
export interface Listening {
  /** `http://host:port` (IPv6 hosts bracketed). */
  origin: string;
  port: number;
  /**
   * Stops listening. Without a grace period open connections are dropped at once; with one,
   * requests in flight may finish for up to `graceMs` (idle keep-alive connections are closed as
   * they become idle) before the rest are dropped.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Listens on `port` and `host`, rejecting on a bind error such as EADDRINUSE. */
export function listen(server: Server, port: number, host: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      resolve({
        origin: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
        port: actual,
        close: (options) => drain(server, options?.graceMs ?? 0),
      });
    });
  });
}

/** How often idle connections are closed while a server drains. */
const IDLE_SWEEP_MS = 50;

/** Stops accepting, lets requests in flight finish within `graceMs`, then drops what is left. */
async function drain(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((done) => server.close(() => done()));
  if (graceMs <= 0) {
    server.closeAllConnections();
    return closed;
  }
  // A keep-alive connection whose answer has gone out is idle: close it rather than wait for the client.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((done) => (timer = setTimeout(done, graceMs)));
  try {
    await Promise.race([closed, graceOver]);
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
  server.closeAllConnections();
  return closed;
}

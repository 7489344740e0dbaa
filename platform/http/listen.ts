import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on a port (0: one the OS picked). */
export interface Listening {
  /** `http://host:port` (IPv6 hosts bracketed). */
  origin: string;
  port: number;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
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
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}

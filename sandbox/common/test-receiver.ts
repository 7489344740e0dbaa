import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local HTTP receiver for webhook tests: records every request and answers `status()` (200 by default). */
export async function startReceiver(status: (req: Received) => number = () => 200): Promise<{
  url: string;
  received: Received[];
  /** Resolves once `n` requests have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      received.push(r);
      res.writeHead(status(r)).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const waitFor = (n: number, timeoutMs = 5000) =>
    new Promise<Received[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${received.length} of ${n} requests`)), timeoutMs);
      const check = () => {
        if (received.length >= n) {
          clearTimeout(timer);
          resolve(received);
        } else waiters.push(check);
      };
      check();
    });
  return {
    url,
    received,
    waitFor,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

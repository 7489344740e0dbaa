import { request } from 'node:http';

/** What a probe sends: the request as raw as HTTP allows (body bytes are sent as given). */
export interface RawRequest {
  method: string;
  /** Path and query string under the gateway's origin (default `/graphql`). */
  path?: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** What came back, or how the exchange failed. */
export interface RawAnswer {
  status: number | null;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
  /** Set when no complete answer came: `timeout`, `reset`, `refused`, `died` or another socket error code. */
  failure?: string;
}

/**
 * Sends one request and reads the whole answer. Fails with `timeout` after `timeoutMs`, and with
 * `died` as soon as `died` settles (the system process ended while the request was out).
 */
export function sendRaw(gatewayUrl: string, req: RawRequest, timeoutMs: number, died?: Promise<void>): Promise<RawAnswer> {
  const url = new URL(req.path ?? '/graphql', gatewayUrl);
  const started = performance.now();
  return new Promise((done) => {
    let settled = false;
    const finish = (answer: Omit<RawAnswer, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done({ ...answer, ms: Math.round(performance.now() - started) });
    };
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = { ...req.headers };
    if (body) headers['content-length'] = String(body.length);
    let answered = false;
    const outgoing = request(url, { method: req.method, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      const text = () => Buffer.concat(chunks).toString('utf8');
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? null, headers: res.headers, text: text() }));
      res.on('close', () => finish({ status: res.statusCode ?? null, headers: res.headers, text: text(), ...(res.complete ? {} : { failure: 'reset' }) }));
    });
    const timer = setTimeout(() => {
      finish({ status: null, headers: {}, text: '', failure: 'timeout' });
      outgoing.destroy();
    }, timeoutMs);
    // A server may answer (413) and close before the whole body is written: once it has answered, that answer counts.
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered) finish({ status: null, headers: {}, text: '', failure: failureOf(err) });
    });
    void died?.then(() => {
      finish({ status: null, headers: {}, text: '', failure: 'died' });
      outgoing.destroy();
    });
    outgoing.end(body);
  });
}

function failureOf(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'reset';
  if (err.code === 'ECONNREFUSED') return 'refused';
  return err.code ?? err.message;
}

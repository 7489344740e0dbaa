import type { ApolloServer, BaseContext, HTTPGraphQLRequest } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** How much of a body over the limit is read and dropped, so that the client hears the 413, before the connection is cut. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Reads a request body, refusing bodies over the limit with an error of `status: 413`. A body
 * over the limit is read to its end without being kept (up to a bound), so that the answer
 * reaches a client still sending instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_DRAIN_BYTES) {
      req.destroy();
      return reject(Object.assign(new Error('request body too large'), { status: 413 }));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.destroy();
        return;
      }
      if (size > limit) {
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) reject(Object.assign(new Error('request body too large'), { status: 413 }));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(Object.assign(new Error('request body incomplete'), { status: 400 }));
    });
  });
}

/** The answer to a request that failed outside GraphQL: a body too large or cut short, or an internal error. */
export function httpFailureBody(status: number): { errors: { message: string; extensions: { code: string } }[] } {
  const message = status === 413 ? 'Request body too large' : status < 500 ? 'Bad request' : 'Internal server error';
  return { errors: [{ message, extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' } }] };
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/**
 * Turns a node request into Apollo's HTTPGraphQLRequest (body parsed as JSON for POST). Its
 * HeaderMap is built when first read: a request answered before Apollo (a response-cache hit, a
 * refusal) never reads it.
 */
export async function toHTTPGraphQLRequest(req: IncomingMessage, rawBody?: string): Promise<HTTPGraphQLRequest> {
  return httpGraphQLRequestOf(req, req.method === 'POST' ? (rawBody ?? (await readBody(req))) : undefined);
}

/** {@link toHTTPGraphQLRequest} of a request whose body (of a POST) has been read. */
export function httpGraphQLRequestOf(req: IncomingMessage, rawBody: string | undefined): HTTPGraphQLRequest {
  let headers: HeaderMap | undefined;
  // The query string as Apollo takes it (`?…`, or empty), without building a URL per request.
  const url = req.url ?? '/';
  const hash = url.indexOf('#');
  const target = hash === -1 ? url : url.slice(0, hash);
  const at = target.indexOf('?');
  const search = at === -1 || at === target.length - 1 ? '' : target.slice(at);
  let body: unknown;
  if (req.method === 'POST' && rawBody !== undefined && rawBody.length > 0) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      // Apollo answers a 400 for a body it cannot read; hand it the text so the message says why.
      body = rawBody;
    }
  }
  return {
    method: req.method ?? 'GET',
    get headers() {
      return (headers ??= headerMapOf(req));
    },
    search,
    body,
  };
}

function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** Runs one GraphQL request through Apollo Server and writes the answer. */
export async function executeApollo<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  httpGraphQLRequest: HTTPGraphQLRequest,
  res: ServerResponse,
  context: () => Promise<TContext>,
): Promise<void> {
  const response = await server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
  const headers: Record<string, string> = {};
  for (const [key, value] of response.headers) headers[key] = value;
  res.writeHead(response.status ?? 200, headers);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

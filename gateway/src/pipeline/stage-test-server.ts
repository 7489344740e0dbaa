/**
 * Test support: runs pipeline stages behind a real HTTP server on port 0, so that stage tests
 * send real requests and read real answers.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeStages, jsonAnswer, type Answer, type Exchange, type Stage } from './stage.js';

/** A running test server; `seen` holds the exchange each request reached the end of the stages with. */
export interface StageTestServer {
  url: string;
  seen: Exchange[];
  close(): Promise<void>;
}

/** Serves `stages` followed by a last stage that records the exchange and answers 200 `{ reached: true }`. */
export async function serveStages(stages: Stage[], last?: (exchange: Exchange) => Promise<Answer>): Promise<StageTestServer> {
  const seen: Exchange[] = [];
  const end: Stage = {
    name: 'end',
    async handle(exchange) {
      seen.push(exchange);
      return last ? last(exchange) : jsonAnswer(200, { reached: true });
    },
  };
  const pipeline = composeStages([...stages, end]);
  let n = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const exchange: Exchange = { req, requestId: typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : `test-${++n}` };
    pipeline(exchange).then(
      (answer) => {
        if (!('body' in answer)) throw new Error('stage tests answer complete bodies');
        // As the gateway's server writes them: the answer's headers and those the stages gave every answer.
        res.writeHead(answer.status, { ...answer.headers, ...exchange.answerHeaders });
        res.end(answer.body);
      },
      (err: { status?: number }) => {
        res.writeHead(err.status ?? 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err) }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

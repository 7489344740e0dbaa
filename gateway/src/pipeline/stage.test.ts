import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { composeStages, jsonAnswer, type Exchange, type Stage } from './stage.js';

const exchange = (): Exchange => ({ req: {} as IncomingMessage, requestId: 'r1' });
const named = (name: string, log: string[], answer = false): Stage => ({
  name,
  async handle(ex, next) {
    log.push(`${name}:${ex.requestId}`);
    return answer ? jsonAnswer(200, { by: name }) : next();
  },
});

describe('composeStages', () => {
  it('runs stages in order until one answers', async () => {
    const log: string[] = [];
    const run = composeStages([named('a', log), named('b', log, true), named('c', log, true)]);
    const answer = await run(exchange());
    expect(log).toEqual(['a:r1', 'b:r1']);
    expect('body' in answer && JSON.parse(answer.body)).toEqual({ by: 'b' });
  });

  it('lets a stage run the rest of the pipeline for another exchange (a refresh)', async () => {
    const log: string[] = [];
    const twice: Stage = {
      name: 'twice',
      async handle(ex, next) {
        await next({ ...ex, requestId: 'refresh' });
        return next();
      },
    };
    await composeStages([twice, named('end', log, true)])(exchange());
    expect(log).toEqual(['end:refresh', 'end:r1']);
  });

  it('fails when no stage answers', async () => {
    await expect(composeStages([named('a', [])])(exchange())).rejects.toThrow(/ended without an answer/);
  });
});

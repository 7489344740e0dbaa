import type { GatewayAuth } from '../types.js';
import { jsonAnswer, type Stage } from './stage.js';

/** Verifies the caller's bearer token; a request without a valid one is answered 401 here, before its body is read. */
export function authenticateStage(auth: Pick<GatewayAuth, 'authenticate'>): Stage {
  return {
    name: 'authenticate',
    async handle(exchange, next) {
      try {
        exchange.principal = await auth.authenticate(exchange.req.headers);
      } catch (err) {
        const message = err instanceof Error && err.message ? err.message : 'Unauthenticated';
        return jsonAnswer(401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
      }
      return next();
    },
  };
}

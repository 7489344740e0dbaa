import type { GatewayAuth } from '../types.js';
import { jsonAnswer, type Stage } from './stage.js';

/** Verifies the caller's bearer token; a request without a valid one is answered 401 here, before its body is read. */
export function authenticateStage(auth: Pick<GatewayAuth, 'authenticate'>): Stage {
  return {
    name: 'authenticate',
    handle(exchange, next) {
      return auth.authenticate(exchange.req.headers).then(
        (principal) => {
          exchange.principal = principal;
          return next();
        },
        (err: unknown) => {
          const message = err instanceof Error && err.message ? err.message : 'Unauthenticated';
          return jsonAnswer(401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
        },
      );
    },
  };
}

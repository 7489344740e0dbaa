/**
 * What the mutations of every subgraph share: the default runner, the request's idempotency key,
 * and the audit of calls refused before any write, including refusals of the permission layer
 * that never reach a resolver.
 */
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../../platform/authz/principal.js';
import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { badInput } from '../../../platform/errors/graphql-errors.js';
import { auditPrincipal, createAuditLog } from '../../../platform/audit/audit-log.js';
import { createIdempotencyStore, validateIdempotencyKey } from './idempotency.js';
import { createMutationRunner, type MutationRequest, type MutationRunner } from './run-mutation.js';
import type { IdempotentResult } from './idempotency.js';
import { isOutcomeUnknown } from './outcome.js';

/** The mutation settings a subgraph takes: one runner, possibly shared by every subgraph (and Redis). */
export interface SubgraphMutations {
  runner: MutationRunner;
}

/** A runner a subgraph created for itself, with what it must close at shutdown. */
export interface OwnedMutations extends SubgraphMutations {
  close(): Promise<void>;
}

/** The default runner: an in-process idempotency store under `keyPrefix`, the audit log at `AUDIT_LOG_PATH` (default `var/audit.jsonl`). */
export function createDefaultMutations(keyPrefix: string): OwnedMutations {
  const store = createIdempotencyStore({ keyPrefix });
  const log = createAuditLog({ path: process.env.AUDIT_LOG_PATH ?? 'var/audit.jsonl' });
  return {
    runner: createMutationRunner({ store, log }),
    async close() {
      await Promise.all([store.close(), log.close()]);
    },
  };
}

/** The `Idempotency-Key` header of a request (the gateway forwards the client's), or null. */
export function idempotencyKeyHeader(headers: IncomingHttpHeaders): string | null {
  const value = headers['idempotency-key'];
  return typeof value === 'string' ? value : null;
}

/**
 * The idempotency key of a call: the argument, else the header. Both present and different is
 * BAD_USER_INPUT, as is a key that is not 1 to 200 printable ASCII characters.
 */
export function resolveIdempotencyKey(argument: unknown, header: string | null | undefined, field: string): string | undefined {
  const hasArgument = argument !== undefined && argument !== null;
  const hasHeader = header !== undefined && header !== null;
  if (!hasArgument && !hasHeader) return undefined;
  if (hasArgument && hasHeader && argument !== header) throw badInput(field, 'differs from the Idempotency-Key header');
  const key: unknown = hasArgument ? argument : header;
  try {
    validateIdempotencyKey(key);
  } catch (err) {
    throw badInput(hasArgument ? field : 'Idempotency-Key', (err as Error).message.replace(/^idempotencyKey /, ''));
  }
  return key;
}


// Errors the runner has already written to the audit log; the refusal audit skips them.
const auditedErrors = new WeakSet<object>();

/** Runs a mutation through the runner and remembers its failure as audited (so it is logged once). */
export async function runAudited<T>(runner: MutationRunner, request: MutationRequest<T>): Promise<IdempotentResult<T>> {
  try {
    return await runner.run({ isOutcomeUnknown, ...request });
  } catch (err) {
    if (err !== null && typeof err === 'object') auditedErrors.add(err);
    throw err;
  }
}

/** How a refused call of one mutation is described in the audit log. */
export interface RefusalSpec {
  ownerSystem: BackendSystem;
  /** Ids of the targeted records, read from the raw arguments; only well-formed ids (no free text). */
  targetIds(args: Record<string, unknown>): string[];
}

/** The context fields the refusal audit reads. */
interface AuditContext {
  principal: Principal | null;
  requestId: string;
  mutations: SubgraphMutations;
  idempotencyKey?: string | null;
}

/** The key a refused call carried (argument, else header), when it is one a key may be; never reserved in the store. */
function refusedCallKey(args: Record<string, unknown>, ctx: AuditContext): string | undefined {
  const input = args?.input;
  const fromArgs = input !== null && typeof input === 'object' ? (input as Record<string, unknown>).idempotencyKey : undefined;
  for (const candidate of [fromArgs, ctx.idempotencyKey]) {
    if (typeof candidate === 'string' && /^[\x20-\x7e]{1,200}$/.test(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Wraps the mutation fields of the final schema (outside the permissions) so that a call that
 * fails without reaching the runner (bad input, missing scope, unknown record) is audited too,
 * through the same runner, with the digest of its arguments. graphql-shield answers a refusal by
 * returning the error rather than throwing it, so returned errors count as failures.
 */
export function auditRefusals(schema: GraphQLSchema, specs: Record<string, RefusalSpec>): GraphQLSchema {
  const fields: Record<string, (resolve: (...a: unknown[]) => unknown, parent: unknown, args: Record<string, unknown>, ctx: AuditContext, info: GraphQLResolveInfo) => Promise<unknown>> = {};
  const mutationType = schema.getMutationType();
  if (!mutationType) return schema;
  for (const [operation, spec] of Object.entries(specs)) {
    if (!mutationType.getFields()[operation]) continue;
    fields[operation] = async (resolve, parent, args, ctx, info) => {
      let outcome: unknown;
      try {
        outcome = await resolve(parent, args, ctx, info);
      } catch (err) {
        await auditRefusal(operation, spec, args, ctx, err);
        throw err;
      }
      if (outcome instanceof Error) await auditRefusal(operation, spec, args, ctx, outcome);
      return outcome;
    };
  }
  return applyMiddleware(schema, { [mutationType.name]: fields } as never);
}

async function auditRefusal(operation: string, spec: RefusalSpec, args: Record<string, unknown>, ctx: AuditContext, error: unknown): Promise<void> {
  if (error !== null && typeof error === 'object' && auditedErrors.has(error)) return;
  if (!ctx?.mutations) return;
  let targetIds: string[] = [];
  try {
    targetIds = spec.targetIds(args ?? {});
  } catch {
    // Unreadable arguments: the digest still identifies the call.
  }
  // The key is recorded but nothing is reserved under it for a call that was refused. refuse() resolves once the record is on disk.
  await ctx.mutations.runner
    .refuse({
      operation,
      ownerSystem: spec.ownerSystem,
      principal: auditPrincipal(ctx.principal),
      correlationId: ctx.requestId,
      targetIds,
      input: args ?? {},
      idempotencyKey: refusedCallKey(args, ctx),
    }, error)
    .catch(() => undefined);
}

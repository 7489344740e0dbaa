import type { BackendSystem } from '../../../platform/errors/backend-error.js';
import { audited, type AuditLog, type AuditPrincipal } from '../../../platform/audit/audit-log.js';
import { digestInput } from '../../../platform/json/canonical-json.js';
import type { IdempotencyStore, IdempotentResult } from './idempotency.js';
import { runWrite } from './write-guard.js';
import { isOutcomeUnknown } from './outcome.js';

/** What a subgraph's mutations share: one idempotency store and one audit log. */
export interface MutationRunnerOptions {
  store: IdempotencyStore;
  log: AuditLog;
}

/** One mutation call, as a resolver describes it. */
export interface MutationRequest<T> {
  /** The mutation's name (`placeOrder`): the audit operation and part of the key scope. */
  operation: string;
  /** The system of record written to (the matrix's owner of the mutation). */
  ownerSystem: BackendSystem;
  principal: AuditPrincipal | null;
  correlationId?: string | null;
  /** Ids of the records targeted (customer id, order id, case id). */
  targetIds: string[];
  /** The mutation's arguments: digested for the key check and the audit log, never stored. */
  input: unknown;
  /** From the input or the Idempotency-Key header; absent or null for none. */
  idempotencyKey?: string | null;
  /** Sends the write once; given the id of the attempt that holds the key, when keyed (see `IdempotentRun.execute`). */
  attempt: (keyAttempt?: string) => Promise<T>;
  /** Looks a write of unknown outcome up at the backend: its result, or undefined when it was not applied. */
  recover?: () => Promise<T | undefined>;
  isOutcomeUnknown?: (err: unknown) => boolean;
  /** Whether the idempotency store keeps looking a keyed write of unknown outcome up in the background (default true; see IdempotentRun.followUp). */
  followUp?: boolean;
  /** The backend record id of a result, for the audit log. */
  backendRecordId?: (value: T) => string | null;
  /**
   * After a failure: what the backend holds when it differs from the error the client gets
   * (`applied`, `unknown`, `pending`), for the audit log's `backendOutcome`. Default: `unknown`
   * for a failure of unknown outcome, nothing otherwise.
   */
  backendOutcome?: (err: unknown) => string | undefined;
}

/** A call refused before its write: described like a request, without the write. */
export type RefusedRequest = Omit<MutationRequest<never>, 'attempt' | 'recover' | 'isOutcomeUnknown' | 'followUp' | 'backendRecordId' | 'backendOutcome'>;

/** Runs mutations idempotently (with a key), without blind retries, and audited. */
export interface MutationRunner {
  /** Runs one mutation; resolves once its audit record is on disk. */
  run<T>(request: MutationRequest<T>): Promise<IdempotentResult<T>>;
  /**
   * Audits a call refused before any write (bad input, a failed lookup, a missing scope) with its
   * key, which stays free: nothing is reserved under it. Resolves once the record is on disk.
   */
  refuse(request: RefusedRequest, error: unknown): Promise<void>;
  /** The audit log the runner writes to (the reconciler adds its records there). */
  readonly log: AuditLog;
  /** The idempotency store the runner keeps keys in. */
  readonly store: IdempotencyStore;
}

/** Keys belong to the reseller for partner principals (any of its users may retry), else to the subject. */
export function idempotencyScope(operation: string, principal: AuditPrincipal | null): string {
  if (principal?.partnerId) return `${operation}:partner:${principal.partnerId}`;
  return `${operation}:sub:${principal?.sub ?? 'anonymous'}`;
}

/** Composes the idempotency store, the write guard and the audit log into one call per resolver. */
export function createMutationRunner({ store, log }: MutationRunnerOptions): MutationRunner {
  return {
    log,
    store,
    async refuse(request, error) {
      const meta = {
        principal: request.principal,
        operation: request.operation,
        ownerSystem: request.ownerSystem,
        targetIds: request.targetIds,
        inputDigest: digestInput(request.input),
        correlationId: request.correlationId ?? null,
        idempotencyKey: request.idempotencyKey ?? undefined,
      };
      await audited(log, meta, () => Promise.reject(error)).catch(() => undefined);
    },
    run<T>(request: MutationRequest<T>): Promise<IdempotentResult<T>> {
      const inputDigest = digestInput(request.input);
      const key = request.idempotencyKey ?? undefined;
      const write = (keyAttempt?: string) =>
        runWrite({
          backend: request.ownerSystem,
          idempotencyKey: key,
          attempt: () => request.attempt(keyAttempt),
          recover: request.recover,
          isOutcomeUnknown: request.isOutcomeUnknown,
        });
      return audited(
        log,
        {
          principal: request.principal,
          operation: request.operation,
          ownerSystem: request.ownerSystem,
          targetIds: request.targetIds,
          inputDigest,
          correlationId: request.correlationId ?? null,
          idempotencyKey: key,
          backendOutcomeOf: (err) => request.backendOutcome?.(err) ?? ((request.isOutcomeUnknown ?? isOutcomeUnknown)(err) ? 'unknown' : undefined),
          describe: (result: IdempotentResult<T>) => ({
            backendRecordId: request.backendRecordId?.(result.value) ?? null,
            replayed: result.replayed,
          }),
        },
        async () => {
          if (key === undefined) return { value: await write(), replayed: false };
          return store.run({
            scope: idempotencyScope(request.operation, request.principal),
            key,
            inputDigest,
            execute: write,
            recover: request.recover,
            isOutcomeUnknown: request.isOutcomeUnknown,
            followUp: request.followUp,
          });
        },
      );
    },
  };
}

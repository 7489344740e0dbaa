/**
 * The orders subgraph's write reconciliation: the progress store placeOrder records its steps in,
 * and the reconciler that ends every order left between them. Started wherever the orders
 * subgraph runs (`npm start`, `npm run subgraph -- orders`).
 */
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { RecordCache } from '../shared/cache/record-cache.js';
import type { OdooConnector } from '../shared/connectors/odoo/connector.js';
import type { IdempotencyStore } from '../shared/mutations/idempotency.js';
import { startReconciler, type Reconciler } from '../shared/mutations/reconciler.js';
import { createWriteProgressStore, type WriteProgressStore } from '../shared/mutations/write-progress.js';
import { invalidateOrder } from './place-order.js';
import { placeOrderSaga } from './place-order-saga.js';

/** What reconciliation needs: the settings, and the connector, cache, key store and audit log the subgraph uses. */
export interface OrdersReconciliationOptions {
  redisUrl?: string;
  /** The progress file without Redis (`WRITE_PROGRESS_PATH`). */
  progressPath: string;
  /** `WRITE_RECONCILE_BOUND_MS`. */
  boundMs: number;
  odoo: OdooConnector;
  cache: RecordCache;
  idempotency: IdempotencyStore;
  auditLog: AuditLog;
}

/** A running reconciliation. */
export interface OrdersReconciliation {
  progress: WriteProgressStore;
  reconciler: Reconciler;
  close(): Promise<void>;
}

/** Opens the progress store and starts the reconciler over it. */
export function startOrdersReconciliation(options: OrdersReconciliationOptions): OrdersReconciliation {
  const progress = createWriteProgressStore({ redisUrl: options.redisUrl, path: options.progressPath });
  const saga = placeOrderSaga({ odoo: options.odoo, cache: options.cache, invalidate: (order, productIds) => invalidateOrder(options.cache, order, productIds) });
  const reconciler = startReconciler({ progress, idempotency: options.idempotency, log: options.auditLog, sagas: [saga], boundMs: options.boundMs });
  return {
    progress,
    reconciler,
    async close() {
      await reconciler.stop();
      await progress.close();
    },
  };
}

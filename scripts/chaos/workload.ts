/**
 * The chaos run's writes: one logical write of each of the six mutations at a time, each with its
 * own idempotency key, sent and retried as a careful client would, and read back after a success.
 */
import type { Role } from '../../platform/authz/roles.js';

/** The six mutations. */
export const MUTATIONS = ['placeOrder', 'cancelOrder', 'setCreditHold', 'updateCustomerProfile', 'openCase', 'addCaseComment'] as const;
export type MutationName = (typeof MUTATIONS)[number];

/** The targets each mutation's writes draw from, set up before the faults start. */
export interface Pools {
  /** Customers with an ERP partner and no sales block, for orders and cases (Account Ids). */
  orderCustomers: string[];
  /** Customers only credit holds write to. */
  holdCustomers: string[];
  /** Customers only profile updates write to. */
  profileCustomers: string[];
  skus: string[];
  /** Confirmed orders placed for the run, one per cancellation. */
  ordersToCancel: string[];
  /** Open tickets comments go to. */
  tickets: string[];
}

/** One logical write and everything needed to send it, read it back and verify it. */
export interface LogicalWrite {
  n: number;
  mutation: MutationName;
  role: Role;
  key: string;
  query: string;
  variables: Record<string, unknown>;
  /** Keys travel in the input where the schema has a field for them, else as the Idempotency-Key header. */
  headerKey: boolean;
  /** The target and the value written, for the read-back and the verification. */
  target: string;
  value: string;
  /** The read that shows the write, and whether its answer does. */
  readBack: { query: string; variables: Record<string, unknown>; shows(data: any): boolean };
  // Filled while the run goes.
  attempts: Attempt[];
  result?: 'success' | 'definitive' | 'gaveUp';
  /** The answer's record id (order, case, comment), from a success. */
  answeredId?: string;
  readYourWritesViolation?: boolean;
}

/** One HTTP attempt of a logical write. */
export interface Attempt {
  requestId: string;
  /** 'ok', the error code, or 'TRANSPORT' when no GraphQL answer came. */
  outcome: string;
}

const ORDER_QUERY = `query($id: ID!) { order(id: $id) { id status } }`;

/** Makes logical write `n`: the mutation cycles through the six, targets come from the pools. */
export function makeWrite(n: number, pools: Pools, random: () => number, runId: string): LogicalWrite {
  const mutation = MUTATIONS[n % MUTATIONS.length]!;
  const key = `chaos-${runId}-${n}`;
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const base = { n, mutation, key, attempts: [] as Attempt[] };
  const slot = Math.floor(n / MUTATIONS.length);
  switch (mutation) {
    case 'placeOrder': {
      const customerId = pick(pools.orderCustomers);
      return {
        ...base, role: 'sales_rep', headerKey: false, target: customerId, value: key,
        query: `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number status lines { quantity } } }`,
        variables: { input: { customerId, lines: [{ sku: pick(pools.skus), quantity: 1 }], clientReference: `chaos ${n}`, idempotencyKey: key } },
        readBack: { query: ORDER_QUERY, variables: {}, shows: (d) => d?.order?.status === 'CONFIRMED' },
      };
    }
    case 'cancelOrder': {
      const id = pools.ordersToCancel[slot % pools.ordersToCancel.length]!;
      return {
        ...base, role: 'sales_rep', headerKey: true, target: id, value: 'CANCELLED',
        query: `mutation($id: ID!) { cancelOrder(id: $id) { id status } }`,
        variables: { id },
        readBack: { query: ORDER_QUERY, variables: { id }, shows: (d) => d?.order?.status === 'CANCELLED' },
      };
    }
    case 'setCreditHold': {
      const customerId = pools.holdCustomers[slot % pools.holdCustomers.length]!;
      const reason = `chaos hold ${runId}-${n}`;
      return {
        ...base, role: 'finance', headerKey: true, target: customerId, value: reason,
        query: `mutation($id: ID!, $reason: String) { setCreditHold(customerId: $id, onHold: true, reason: $reason) { onHold holdReason } }`,
        variables: { id: customerId, reason },
        readBack: { query: `query($id: ID!) { customer(id: $id) { billing { onHold holdReason } } }`, variables: { id: customerId }, shows: (d) => d?.customer?.billing?.holdReason === reason },
      };
    }
    case 'updateCustomerProfile': {
      const id = pools.profileCustomers[slot % pools.profileCustomers.length]!;
      const website = `https://chaos-${runId}-${n}.example`;
      return {
        ...base, role: 'sales_rep', headerKey: true, target: id, value: website,
        query: `mutation($id: ID!, $website: String) { updateCustomerProfile(id: $id, input: { website: $website }) { id website } }`,
        variables: { id, website },
        readBack: { query: `query($id: ID!) { customer(id: $id) { website } }`, variables: { id }, shows: (d) => d?.customer?.website === website },
      };
    }
    case 'openCase': {
      const customerId = pick(pools.orderCustomers.slice(0, 20));
      const subject = `Chaos case ${runId}-${n}`;
      return {
        ...base, role: 'support_agent', headerKey: false, target: customerId, value: subject,
        query: `mutation($input: OpenCaseInput!) { openCase(input: $input) { id subject status } }`,
        variables: { input: { customerId, subject, description: `Opened by chaos write ${n}.`, priority: 'NORMAL', idempotencyKey: key } },
        readBack: { query: `query($id: ID!) { case(id: $id) { subject } }`, variables: {}, shows: (d) => d?.case?.subject === subject },
      };
    }
    case 'addCaseComment': {
      const caseId = pools.tickets[slot % pools.tickets.length]!;
      const body = `Chaos comment ${runId}-${n}`;
      return {
        ...base, role: 'support_agent', headerKey: true, target: caseId, value: body,
        query: `mutation($id: ID!, $body: String!) { addCaseComment(caseId: $id, body: $body, internal: false) { id body } }`,
        variables: { id: caseId, body },
        readBack: { query: `query($id: ID!) { case(id: $id) { comments { body } } }`, variables: { id: caseId }, shows: (d) => (d?.case?.comments ?? []).some((c: { body: string }) => c.body === body) },
      };
    }
  }
}

/** Codes after which the same request may succeed later: retried with the same key. */
const RETRYABLE = new Set(['BACKEND_UNAVAILABLE', 'RATE_LIMITED', 'IDEMPOTENCY_CONFLICT', 'INTERNAL_SERVER_ERROR', 'TRANSPORT']);

/** What the client pool needs to send requests. */
export interface Sender {
  send(write: LogicalWrite, query: string, variables: Record<string, unknown>, requestId: string, withKey: boolean): Promise<{ data?: any; errors?: Array<{ extensions?: { code?: string; reason?: string } }> } | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one logical write: up to `maxAttempts` tries with backoff, then reads it back after a success. */
export async function runWrite(write: LogicalWrite, sender: Sender, maxAttempts: number, random: () => number): Promise<void> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const requestId = `${write.key}-a${attempt}`;
    const answer = await sender.send(write, write.query, write.variables, requestId, true).catch(() => null);
    const error = answer?.errors?.[0];
    const outcome = answer === null ? 'TRANSPORT' : error ? (error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : 'ok';
    write.attempts.push({ requestId, outcome });
    if (outcome === 'ok') {
      write.result = 'success';
      const value = Object.values(answer!.data ?? {})[0] as { id?: string } | undefined;
      write.answeredId = value?.id;
      await readBack(write, sender);
      return;
    }
    const conflictOnInput = outcome === 'IDEMPOTENCY_CONFLICT' && error?.extensions?.reason === 'INPUT_MISMATCH';
    if (!RETRYABLE.has(outcome) || conflictOnInput) {
      write.result = 'definitive';
      return;
    }
    await sleep(Math.min(3000, 200 * 2 ** (attempt - 1)) * (0.5 + random()));
  }
  write.result = 'gaveUp';
}

async function readBack(write: LogicalWrite, sender: Sender): Promise<void> {
  const variables = { ...write.readBack.variables };
  if (write.mutation === 'placeOrder' || write.mutation === 'openCase') variables.id = write.answeredId;
  const answer = await sender.send(write, write.readBack.query, variables, `${write.key}-read`, false).catch(() => null);
  // Only an answer without errors can show a stale read; a failed read says nothing.
  if (answer && !answer.errors?.length) write.readYourWritesViolation = !write.readBack.shows(answer.data);
}

/**
 * The benchmark workloads as fixed plans: which view, for which customer, under which token, in
 * which order. Deterministic in (seed, world, length), so every gateway gets the same requests.
 */
import { createRng, type Rng } from '../sandbox/common/rng.js';
import type { WorldSkeleton } from '../sandbox/world/skeleton.js';
import type { Role } from '../platform/authz/roles.js';
import { CRM_COMPONENT, CUSTOMER_360, PARTNER_ORDERS } from '../test/queries.js';
import type { PlannedRequest } from './load-worker.js';
import type { ViewKind } from './summarize.js';
import { createZipf, shuffled } from './zipf.js';

/** The workloads, in the order they run. */
export const WORKLOAD_NAMES = ['support', 'crm', 'partner', 'mixed'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** The queries by plan index `q`, and the view each one is. */
export const QUERIES: readonly string[] = [CUSTOMER_360, CRM_COMPONENT, PARTNER_ORDERS];
export const VIEWS: readonly ViewKind[] = ['customer360', 'crm', 'partner'];

/** Share of each view in the mixed workload. */
export const MIX = { customer360: 0.5, crm: 0.35, partner: 0.15 } as const;

/** A token the plan refers to by index. */
export interface TokenSpec {
  role: Role;
  sub: string;
  partnerId?: string;
}

/** A workload ready to run. */
export interface Workload {
  name: WorkloadName;
  description: string;
  tokens: TokenSpec[];
  plan: PlannedRequest[];
}

/** Settings of the plans. */
export interface WorkloadSettings {
  seed: number;
  /** Most requests in a plan (the time limit usually stops a run first). */
  length: number;
  /** Zipf exponent of customer popularity. */
  zipfS: number;
  /** Distinct support agents (and distinct CRM component users): one token each. */
  agents: number;
}

/** The role of support agents and CRM components: it may read orders, billing status and cases. */
const AGENT_ROLE: Role = 'support_agent';

/** Builds the token table shared by every workload: agents, CRM users, one token per reseller. */
function tokenTable(world: WorldSkeleton, agents: number): { tokens: TokenSpec[]; agentTokens: number[]; crmTokens: number[]; resellerToken: Map<number, number> } {
  const tokens: TokenSpec[] = [];
  const agentTokens: number[] = [];
  const crmTokens: number[] = [];
  for (let k = 1; k <= agents; k++) agentTokens.push(tokens.push({ role: AGENT_ROLE, sub: `agent-${String(k).padStart(2, '0')}` }) - 1);
  for (let k = 1; k <= agents; k++) crmTokens.push(tokens.push({ role: AGENT_ROLE, sub: `crm-user-${String(k).padStart(2, '0')}` }) - 1);
  const resellerToken = new Map<number, number>();
  world.resellers.forEach((reseller, index) => {
    resellerToken.set(index, tokens.push({ role: 'partner', sub: `partner-${reseller.accountId}`, partnerId: reseller.accountId }) - 1);
  });
  return { tokens, agentTokens, crmTokens, resellerToken };
}

/** Draws customers by Zipf popularity over a seeded order of the world's customers. */
function popularCustomers(world: WorldSkeleton, s: number, seed: number, rng: Rng): () => string {
  const order = shuffled(world.customers.map((c) => c.accountId), createRng(seed).fork('popularity'));
  const zipf = createZipf(order.length, s, rng);
  return () => order[zipf.next()]!;
}

/**
 * Resellers polling their own customers' orders: a reseller is drawn with a weight of its number
 * of customers, and polls the next of its customers in turn (every customer is polled alike).
 */
function partnerPolls(world: WorldSkeleton, rng: Rng): () => { id: string; reseller: number } {
  const byReseller = new Map<number, string[]>();
  for (const c of world.customers) if (c.resellerIndex !== null) byReseller.set(c.resellerIndex, [...(byReseller.get(c.resellerIndex) ?? []), c.accountId]);
  const resellers = [...byReseller.keys()].sort((a, b) => a - b);
  const weights: number[] = [];
  let total = 0;
  for (const r of resellers) weights.push((total += byReseller.get(r)!.length));
  const cursor = new Map<number, number>(resellers.map((r) => [r, rng.int(0, byReseller.get(r)!.length - 1)]));
  return () => {
    const u = rng.next() * total;
    const reseller = resellers[weights.findIndex((w) => u < w)]!;
    const customers = byReseller.get(reseller)!;
    const k = cursor.get(reseller)!;
    cursor.set(reseller, k + 1);
    return { id: customers[k % customers.length]!, reseller };
  };
}

/** Builds one workload's plan. */
export function buildWorkload(name: WorkloadName, world: WorldSkeleton, settings: WorkloadSettings): Workload {
  const { tokens, agentTokens, crmTokens, resellerToken } = tokenTable(world, settings.agents);
  const rng = createRng(settings.seed).fork(`workload-${name}`);
  const supportCustomer = popularCustomers(world, settings.zipfS, settings.seed, rng.fork('support'));
  const crmCustomer = popularCustomers(world, settings.zipfS, settings.seed, rng.fork('crm'));
  const partner = partnerPolls(world, rng.fork('partner'));
  const pickRng = rng.fork('pick');
  const support = (): PlannedRequest => ({ q: 0, id: supportCustomer(), t: pickRng.pick(agentTokens) });
  const crm = (): PlannedRequest => ({ q: 1, id: crmCustomer(), t: pickRng.pick(crmTokens) });
  const poll = (): PlannedRequest => {
    const { id, reseller } = partner();
    return { q: 2, id, t: resellerToken.get(reseller)! };
  };
  const mixRng = rng.fork('mix');
  const mixed = (): PlannedRequest => {
    const u = mixRng.next();
    return u < MIX.customer360 ? support() : u < MIX.customer360 + MIX.crm ? crm() : poll();
  };
  const draw = { support, crm, partner: poll, mixed }[name];
  const descriptions: Record<WorkloadName, string> = {
    support: `customer-360 views by ${settings.agents} support agents, Zipf(s=${settings.zipfS}) over ${world.customers.length} customers`,
    crm: `CRM component reads by ${settings.agents} users (role ${AGENT_ROLE}), Zipf(s=${settings.zipfS}) over ${world.customers.length} customers`,
    partner: `${resellerToken.size} resellers polling their own customers' orders (partner tokens)`,
    mixed: `mix ${MIX.customer360 * 100}/${MIX.crm * 100}/${MIX.partner * 100} of support/crm/partner`,
  };
  return { name, description: descriptions[name], tokens, plan: Array.from({ length: settings.length }, draw) };
}

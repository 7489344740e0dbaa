import fc from 'fast-check';
import { PROBE_ENTRIES, masked, probeQuery, sameAnswer, type ProbeEntry } from '../../authz/isolation-targets.js';
import { printCalls } from '../oracle.js';
import { graphqlPost, type Answer, type Expectation, type Probe } from '../probe.js';
import { hasUniqueName, twinOf, type FuzzCustomer, type FuzzWorld } from '../world.js';

type Kind = Parameters<typeof twinOf>[0];
const KIND_OF: Record<string, { kind: Kind; value: (c: FuzzCustomer) => string | undefined }> = {
  customer: { kind: 'customer', value: (c) => c.id },
  order: { kind: 'order', value: (c) => c.orderId },
  orderByNumber: { kind: 'orderNumber', value: (c) => c.orderNumber },
  invoice: { kind: 'invoice', value: (c) => c.invoiceId },
  invoiceByNumber: { kind: 'invoiceNumber', value: (c) => c.invoiceNumber },
  case: { kind: 'case', value: (c) => c.caseId },
  customers: { kind: 'name', value: (c) => c.name },
};

/** Nothing at the root: null (FORBIDDEN for case, which partners may not read), or no rows for a search. */
const NOTHING: Expectation = {
  kind: 'hostile',
  status: [200],
  check: (a: Answer) => {
    const data = a.json?.data ?? {};
    const [field, value] = Object.entries(data)[0] ?? [];
    if (field === 'customers') return (value as { totalCount?: number })?.totalCount === 0 ? [] : [`customers found ${JSON.stringify(value).slice(0, 80)}`];
    return value === null || value === undefined ? [] : [`${field} answered ${JSON.stringify(value).slice(0, 80)}`];
  },
};

/**
 * A partner asks for a foreign value and for its nonexistent twin with the same query, twice: the
 * answers must be the same bytes (the asked value masked), and asked again they must cost the same
 * backend calls (a first ask may differ by the foreign record's owner lookup; see the isolation probes).
 */
export function foreignLikeNonexistent(label: string, partnerId: string, entry: ProbeEntry, shape: string, foreign: string, twin: string): Probe {
  const query = probeQuery(entry, shape);
  const caller = { role: 'partner' as const, partnerId };
  return {
    class: 'partner',
    label: `${label}: ${entry.field} ${shape}`,
    steps: [twin, foreign, twin, foreign].map((v) => ({ caller, request: graphqlPost({ query, variables: { v } }), expect: NOTHING })),
    joint: ([unknown, seen, unknownAgain, seenAgain]) => {
      const problems: string[] = [];
      for (const [s, u] of [[seen!, unknown!], [seenAgain!, unknownAgain!]] as const) {
        const a = masked(s.text, foreign);
        const b = masked(u.text, twin);
        if (s.status !== u.status || !sameAnswer(a, b)) problems.push(`answered ${s.status} ${a.slice(0, 300)} / nonexistent ${u.status} ${b.slice(0, 300)}`);
      }
      const [x, y] = [printCalls(seenAgain!.calls), printCalls(unknownAgain!.calls)];
      if (x !== y) problems.push(`asked again: cost [${x}] / nonexistent [${y}]`);
      return problems;
    },
  };
}

/** The fixed reproductions: another reseller's invoice and order, and reseller Accounts themselves, answer and cost like nonexistent ids. */
export function partnerReproductions(world: FuzzWorld): Probe[] {
  const entry = (field: string) => PROBE_ENTRIES.find((e) => e.field === field)!;
  const partner = world.resellers[0]!;
  // Records of customers no set-up read touched: the first ask of each is cold in every cache, as the twin's is.
  const [first, second] = world.untouched.filter((c) => c.invoiceId) as [FuzzCustomer, FuzzCustomer];
  return [
    foreignLikeNonexistent(`another reseller's invoice`, partner, entry('invoice'), 'root', first.invoiceId!, twinOf('invoice', first.invoiceId!)),
    foreignLikeNonexistent(`another reseller's order`, partner, entry('order'), 'order.customer', second.orderId, twinOf('order', second.orderId)),
    foreignLikeNonexistent("another reseller's Account itself", partner, entry('customer'), 'root', world.resellers[1]!, twinOf('customer', world.resellers[1]!)),
    foreignLikeNonexistent("the partner's own reseller Account", partner, entry('customer'), 'customer.partner', partner, twinOf('customer', partner)),
  ];
}

/** Random partners asking for random foreign records (another reseller's, a direct customer's, reseller Accounts) through every entry point and nested path. */
export function partnerProbes(world: FuzzWorld): fc.Arbitrary<Probe> {
  const shapes = PROBE_ENTRIES.flatMap((e) => Object.keys(e.shapes).map((shape) => ({ entry: e, shape })));
  return fc
    .tuple(fc.constantFrom(...world.resellers), fc.constantFrom(...shapes), fc.nat(), fc.boolean())
    .map(([partner, { entry, shape }, pick, account]) => {
      const spec = KIND_OF[entry.field]!;
      if (entry.field === 'customer' && account) {
        const reseller = world.resellers[pick % world.resellers.length]!;
        return foreignLikeNonexistent(`reseller Account ${reseller}${reseller === partner ? ' (its own)' : ''}`, partner, entry, shape, reseller, twinOf('customer', reseller));
      }
      // A name another account's name contains would find that account, maybe the partner's own: such names are not probed.
      const candidates = world.customers.filter((c) => c.reseller !== partner && spec.value(c) !== undefined && (entry.field !== 'customers' || hasUniqueName(world.skeleton, c.name)));
      const target = candidates[pick % candidates.length]!;
      const value = spec.value(target)!;
      return foreignLikeNonexistent(`${target.reseller ? "another reseller's" : 'a direct'} customer's ${value}`, partner, entry, shape, value, twinOf(spec.kind, value));
    });
}

import fc from 'fast-check';
import { graphqlPost, type Probe } from '../probe.js';
import type { FuzzWorld } from '../world.js';

/** Valid operations that are costly to answer: deep nesting, many aliases, wide lists. Reported apart: demand control comes later. */
export function expensiveProbes(world: FuzzWorld): fc.Arbitrary<Probe> {
  const customer = fc.constantFrom(...world.customers);
  const probe = (label: string, query: string): Probe => ({ class: 'expensive', label, steps: [{ caller: { role: 'admin' }, request: graphqlPost({ query }), expect: { kind: 'expensive' } }] });
  const nested = fc
    .tuple(customer, fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 10 }))
    .filter(([, depth, width]) => width ** depth <= 100_000)
    .map(([c, depth, width]) => {
      let inner = 'id name';
      for (let i = 0; i < depth; i++) inner = `id orders(first: ${width}) { totalCount edges { node { id number customer { ${inner} } } } }`;
      return probe(`customer.orders.customer nested ${depth} deep, ${width} wide`, `{ customer(id: "${c.id}") { ${inner} } }`);
    });
  const aliases = fc.tuple(fc.array(customer, { minLength: 20, maxLength: 300 })).map(([list]) =>
    probe(`${list.length} aliased customers`, `{ ${list.map((c, i) => `c${i}: customer(id: "${c.id}") { id name orders(first: 5) { totalCount } billing { onHold } openCaseCount }`).join(' ')} }`),
  );
  const wide = fc.integer({ min: 20, max: 100 }).map((n) =>
    probe(
      `customers(first: ${n}) with their orders, lines, stock and invoices`,
      `{ customers(first: ${n}) { edges { node { id name orders(first: 50) { edges { node { id lines { quantity product { sku availability { free } } } invoices { id } } } } openCaseCount } } } }`,
    ),
  );
  return fc.oneof(nested, aliases, wide);
}

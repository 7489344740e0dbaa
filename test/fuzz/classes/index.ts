import type fc from 'fast-check';
import type { FuzzClass, Probe } from '../probe.js';
import type { FuzzWorld } from '../world.js';
import { expensiveProbes } from './expensive.js';
import { graphqlProbes, graphqlReproductions } from './graphql.js';
import { httpProbes, httpReproductions } from './http.js';
import { mutationProbes, mutationReproductions } from './mutations.js';
import { partnerProbes, partnerReproductions } from './partner.js';
import { refusedTokenProbe, tokenProbes, type TokenKit } from './tokens.js';
import { valuesProbes, valuesReproductions } from './values.js';

/** The generator of every class. */
export function classGenerators(world: FuzzWorld, kit: TokenKit): Record<FuzzClass, fc.Arbitrary<Probe>> {
  return {
    http: httpProbes(world),
    graphql: graphqlProbes(world),
    tokens: tokenProbes(kit),
    values: valuesProbes(world),
    mutations: mutationProbes(world),
    partner: partnerProbes(world),
    expensive: expensiveProbes(world),
  };
}

/**
 * The fixed reproductions of the reported defects, each with the exact answer expected once it
 * is fixed, and the forged tokens that are refused today and must stay so.
 */
export function reproductions(world: FuzzWorld, kit: TokenKit): Probe[] {
  return [
    ...valuesReproductions(),
    ...graphqlReproductions(world),
    ...partnerReproductions(world),
    ...httpReproductions(),
    ...mutationReproductions(world),
    ...kit.forged.map((t) => refusedTokenProbe(`a forged token (${t.label}) is refused`, t.authorization)),
  ];
}

import { Kind, parse, type ConstArgumentNode } from 'graphql';

/**
 * The supergraph as @apollo/gateway will load it: the `for: SECURITY` purpose is cut from its
 * `@link`s. The gateway refuses SECURITY features it does not implement; we enforce those
 * directives ourselves (operation filter before planning, shield in every subgraph), so the
 * features stay linked and only their purpose is dropped. Everything else is kept byte for byte.
 */
export function supergraphForApolloGateway(sdl: string): string {
  const doc = parse(sdl);
  const cuts: Array<{ start: number; end: number }> = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of def.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const args = directive.arguments ?? [];
      const index = args.findIndex((a) => a.name.value === 'for' && a.value.kind === Kind.ENUM && a.value.value === 'SECURITY');
      if (index < 0) continue;
      const arg = args[index] as ConstArgumentNode;
      if (!arg.loc) throw new Error('supergraphForApolloGateway: parser gave no source locations');
      // Cut from the end of the previous argument (its separator included) to the end of this one.
      const previous = args[index - 1];
      const start = previous?.loc ? previous.loc.end : arg.loc.start;
      const next = args[index + 1];
      const end = previous ? arg.loc.end : next?.loc ? next.loc.start : arg.loc.end;
      cuts.push({ start, end });
    }
  }
  let out = sdl;
  for (const { start, end } of cuts.sort((a, b) => b.start - a.start)) out = out.slice(0, start) + out.slice(end);
  return out;
}

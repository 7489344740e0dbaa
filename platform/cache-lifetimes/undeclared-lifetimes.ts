import { getNamedType, isCompositeType, isInterfaceType, isObjectType, type GraphQLCompositeType, type GraphQLSchema } from 'graphql';
import type { CacheLifetimes } from './cache-lifetimes.js';

/**
 * The fields a query can reach whose lifetime nobody declared: root fields and fields returning an
 * object, interface or union with neither a `maxAge` nor `inheritMaxAge` of their own or of their
 * type (Apollo gives those its defaultMaxAge). An empty list means every answer's lifetime comes
 * from the SDL. Introspection and federation fields (`__schema`, `_entities`, `_service`) are not
 * data and are left out.
 */
export function undeclaredLifetimes(schema: GraphQLSchema, lifetimes: CacheLifetimes): string[] {
  const query = schema.getQueryType();
  if (!query) return [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const queue: GraphQLCompositeType[] = [query];
  while (queue.length > 0) {
    const type = queue.shift()!;
    if (seen.has(type.name)) continue;
    seen.add(type.name);
    const members = isObjectType(type) || isInterfaceType(type) ? [type] : schema.getPossibleTypes(type);
    for (const member of members) {
      if (member !== type) queue.push(member);
      if (!isObjectType(member) && !isInterfaceType(member)) continue;
      for (const field of Object.values(member.getFields())) {
        if (field.name.startsWith('_')) continue;
        const named = getNamedType(field.type);
        const coordinate = `${member.name}.${field.name}`;
        const own = lifetimes.hints.get(coordinate);
        const ofType = isCompositeType(named) ? lifetimes.hints.get(named.name) : undefined;
        const root = member === query;
        const declares = (hint: typeof own) => hint?.maxAge !== undefined || (!root && hint?.inheritMaxAge === true);
        const inheritsAtRoot = root && (own?.inheritMaxAge || (own?.maxAge === undefined && ofType?.inheritMaxAge));
        if ((root || isCompositeType(named)) && (inheritsAtRoot || !(declares(own) || (!own?.inheritMaxAge && declares(ofType))))) missing.push(coordinate);
        if (isCompositeType(named)) queue.push(named);
      }
    }
  }
  return missing.sort();
}

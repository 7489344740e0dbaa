import { Kind, type GraphQLResolveInfo, type SelectionNode } from 'graphql';
import { readFileSync } from 'node:fs';
import { fieldRequirement, readAuthDirectives } from '../../../platform/authz/directives.js';
import type { Principal } from '../../../platform/authz/principal.js';
import { checkRequirement } from '../../../platform/authz/requirements.js';

/**
 * Helpers for resolvers that start a nested field's load alongside their own, when the nested
 * load needs nothing the parent's load returns: the two backend calls then overlap instead of
 * following each other.
 */

/** Whether the field being resolved selects `name` directly (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (selections: readonly SelectionNode[]): boolean =>
    selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === name;
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet.selections);
      const fragment = info.fragments[s.name.value];
      return fragment !== undefined && visit(fragment.selectionSet.selections);
    });
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && visit(node.selectionSet.selections));
}

/**
 * Whether a principal may read a field, by the auth directives of the subgraph's SDL (the field's
 * own, its parent type's and its return type's): a prefetch never reads what the field would refuse.
 */
export function fieldReadable(sdlUrl: URL, parentType: string, fieldName: string, returnType?: string): (principal: Principal | null | undefined) => boolean {
  const requirement = fieldRequirement(readAuthDirectives(readFileSync(sdlUrl, 'utf8')), parentType, fieldName, returnType);
  return (principal) => checkRequirement(requirement, principal) === 'ALLOWED';
}

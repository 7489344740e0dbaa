import { GraphQLInt, Kind, valueFromAST, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';

/** Largest page a `first` argument may ask for (every connection of the subgraphs has the same bound). */
export const MAX_PAGE_SIZE = 100;

/** A `first` argument of an operation: where it is, and its value (a literal or a variable). */
export interface PageArgument {
  /** Response path of the field (aliases respected), for the error. */
  path: string;
  value: ValueNode;
}

/** The `first` arguments an operation gives, its fragments included (each fragment read once). */
export function pageArguments(document: DocumentNode, operation: OperationDefinitionNode): PageArgument[] {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const seen = new Set<string>();
  const out: PageArgument[] = [];
  const walk = (set: SelectionSetNode, path: string) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const here = path ? `${path}.${s.alias?.value ?? s.name.value}` : (s.alias?.value ?? s.name.value);
        const first = s.arguments?.find((a) => a.name.value === 'first');
        if (first) out.push({ path: here, value: first.value });
        if (s.selectionSet) walk(s.selectionSet, here);
      } else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, path);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet, path);
      }
    }
  };
  walk(operation.selectionSet, '');
  return out;
}

/**
 * Why a request's page sizes cannot be served, or undefined: a `first` above the largest page,
 * from a literal, a variable or a variable's default. Checked before planning, so that no
 * backend is asked for a page that would be refused anyway.
 */
export function pageSizeProblem(args: readonly PageArgument[], operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined, max = MAX_PAGE_SIZE): string | undefined {
  for (const { path, value } of args) {
    let size: unknown;
    if (value.kind === Kind.VARIABLE) {
      const name = value.name.value;
      if (variables && name in variables) size = variables[name];
      else {
        const fallback = operation.variableDefinitions?.find((d) => d.variable.name.value === name)?.defaultValue;
        size = fallback ? valueFromAST(fallback, GraphQLInt) : undefined;
      }
    } else size = valueFromAST(value, GraphQLInt);
    if (typeof size === 'number' && size > max) return `${path}: first must be at most ${max}, got ${size}`;
  }
  return undefined;
}

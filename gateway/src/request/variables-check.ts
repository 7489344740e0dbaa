/** Bounds on the variables of a request. */
export interface VariableLimits {
  /** Deepest nesting of objects and lists (default 32: input objects of this schema nest 3 deep). */
  maxDepth: number;
}

/** The default variable limits. */
export const DEFAULT_VARIABLE_LIMITS: VariableLimits = { maxDepth: 32 };

/**
 * Why a request's variables cannot be used, or undefined when they can: nested past the limit,
 * or holding a string that is not well-formed Unicode (a lone UTF-16 surrogate, as a truncated
 * emoji leaves), which no GraphQL String may hold and no backend can store. Iterative: a hostile
 * depth cannot overflow the stack.
 */
export function variablesProblem(variables: unknown, limits: VariableLimits = DEFAULT_VARIABLE_LIMITS): string | undefined {
  if (variables === null || typeof variables !== 'object') return undefined;
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: variables, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return `Variable "$${path}" holds a string that is not well-formed Unicode (a lone surrogate)`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxDepth) return `Variable "$${path.split(/[.[]/)[0]}" is nested more than ${limits.maxDepth} levels deep`;
    if (Array.isArray(value)) value.forEach((item, i) => void stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` }));
    else for (const [key, item] of Object.entries(value)) stack.push({ value: item, depth: depth + 1, path: path ? `${path}.${key}` : key });
  }
  return undefined;
}

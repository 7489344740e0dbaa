import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/** Bounds on the shape of an operation, checked before validation and planning. */
export interface StructuralLimits {
  /** Deepest field nesting (default 15: the customer-360 view is 10 deep). */
  maxDepth: number;
  /** Most aliases in an operation, fragments included (default 30). */
  maxAliases: number;
  /** Most root fields of an operation, fragments on the root type included (default 20). */
  maxRootFields: number;
  /** Most directives in an operation (default 50). */
  maxDirectives: number;
  /** Most selections of one response key in one selection set (default 20): repeats cost validation time without changing the answer. */
  maxRepeatedField: number;
}

/** The default structural limits. */
export const DEFAULT_STRUCTURAL_LIMITS: StructuralLimits = { maxDepth: 15, maxAliases: 30, maxRootFields: 20, maxDirectives: 50, maxRepeatedField: 20 };

/** graphql-armor's rules report through the validation context instead of throwing out of `validate`. */
const reportTo = (context: ValidationContext | null, err: GraphQLError) => context?.reportError(new GraphQLError(err.message.replace(/^Syntax Error: /, '')));
const armor = { propagateOnRejection: false, onReject: [reportTo], exposeLimits: true };

/**
 * The validation rules of the structural limits: depth, aliases and directives from graphql-armor,
 * and two of ours (root fields, repeated fields). Each follows fragments once, so the work is
 * linear in the document; they run before the specified rules, whose overlapping-fields check
 * grows with the square of repeated fields.
 */
export function structuralLimitRules(limits: StructuralLimits = DEFAULT_STRUCTURAL_LIMITS): ValidationRule[] {
  return [
    maxDepthRule({ ...armor, n: limits.maxDepth }) as unknown as ValidationRule,
    maxAliasesRule({ ...armor, n: limits.maxAliases }) as unknown as ValidationRule,
    maxDirectivesRule({ ...armor, n: limits.maxDirectives }) as unknown as ValidationRule,
    maxRootFieldsRule(limits.maxRootFields),
    maxRepeatedFieldRule(limits.maxRepeatedField),
  ];
}

/** Refuses an operation selecting more than `max` root fields (its fragments on the root type counted once each). */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const seen = new Set<string>();
      const count = (set: SelectionSetNode): number => {
        let n = 0;
        for (const s of set.selections) {
          if (s.kind === Kind.FIELD) n += s.name.value === '__typename' ? 0 : 1;
          else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
          else if (!seen.has(s.name.value)) {
            seen.add(s.name.value);
            const fragment = context.getFragment(s.name.value);
            if (fragment) n += count(fragment.selectionSet);
          }
        }
        return n;
      };
      const fields = count(operation.selectionSet);
      if (fields > max) context.reportError(new GraphQLError(`Root fields limit of ${max} exceeded, found ${fields}.`, { nodes: [operation] }));
    },
  });
}

/** Refuses a selection set repeating one response key more than `max` times. */
export function maxRepeatedFieldRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    SelectionSet(set) {
      const counts = new Map<string, number>();
      for (const s of set.selections) {
        if (s.kind !== Kind.FIELD) continue;
        const key = s.alias?.value ?? s.name.value;
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        if (n === max + 1) context.reportError(new GraphQLError(`Field "${key}" is selected more than ${max} times in one selection set.`, { nodes: [s] }));
      }
    },
  });
}

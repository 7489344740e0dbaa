import { GraphQLError, Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** Bounds on an operation document, checked before validation, filtering and planning. */
export interface DocumentLimits {
  /** Most lexical tokens the parser reads before giving up (default 15,000). */
  maxTokens: number;
  /**
   * Most field selections once every fragment spread is expanded where it is spread (default
   * 20,000). Counted with each fragment expanded once, so a document of nested spreads that would
   * expand exponentially is refused in time linear in its size.
   */
  maxExpandedFields: number;
}

/** The default document limits. */
export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = { maxTokens: 15_000, maxExpandedFields: 20_000 };

/** Why a document was refused before validation. */
export class DocumentRefusal extends Error {
  override readonly name = 'DocumentRefusal';
  constructor(
    message: string,
    /** `GRAPHQL_PARSE_FAILED` for a syntax error, `GRAPHQL_VALIDATION_FAILED` for a limit. */
    readonly code: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED',
    readonly locations?: readonly { line: number; column: number }[],
  ) {
    super(message);
  }
}

/** Parses an operation within the token limit; throws a DocumentRefusal for syntax errors and limits. */
export function parseBounded(query: string, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS): DocumentNode {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    // graphql-js words it "more that N tokens".
    const overLimit = /Document contains more th(?:an|at) \d+ tokens/.test(err.message);
    throw new DocumentRefusal(
      overLimit ? `The operation has more than ${limits.maxTokens} tokens` : err.message,
      overLimit ? 'GRAPHQL_VALIDATION_FAILED' : 'GRAPHQL_PARSE_FAILED',
      err.locations,
    );
  }
  const fields = expandedFieldCount(document, limits.maxExpandedFields);
  if (fields > limits.maxExpandedFields) {
    throw new DocumentRefusal(`The operation selects more than ${limits.maxExpandedFields} fields once its fragments are expanded`, 'GRAPHQL_VALIDATION_FAILED');
  }
  return document;
}

/**
 * How many field selections a document holds with every spread expanded, counting each
 * operation; stops counting once past `cap`. Each fragment's own count is computed once and
 * reused, and a spread of an unknown fragment or one inside a cycle counts nothing (validation
 * refuses those documents), so the work is linear in the document.
 */
export function expandedFieldCount(document: DocumentNode, cap = Number.MAX_SAFE_INTEGER): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const counted = new Map<string, number>();
  const counting = new Set<string>();

  const countSet = (set: SelectionSetNode): number => {
    let n = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) n += 1 + (selection.selectionSet ? countSet(selection.selectionSet) : 0);
      else if (selection.kind === Kind.INLINE_FRAGMENT) n += countSet(selection.selectionSet);
      else n += countFragment(selection.name.value);
      // Saturate: past the cap the exact figure does not matter, and it keeps numbers finite.
      if (n > cap) return cap + 1;
    }
    return n;
  };
  const countFragment = (name: string): number => {
    const known = counted.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || counting.has(name)) return 0;
    counting.add(name);
    const n = countSet(fragment.selectionSet);
    counting.delete(name);
    counted.set(name, n);
    return n;
  };

  let total = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    total += countSet(d.selectionSet);
    if (total > cap) return cap + 1;
  }
  return total;
}

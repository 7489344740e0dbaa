import { GraphQLError, Kind, Lexer, parse, Source, TokenKind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

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

/**
 * Deepest nesting of braces, brackets and parentheses a document may have before it is parsed
 * (the parser and every walk after it recurse once per level). Far above any structural limit.
 */
export const MAX_NESTING = 128;

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
  const nesting = nestingDepth(query, limits.maxTokens);
  if (nesting > MAX_NESTING) throw new DocumentRefusal(`The operation nests more than ${MAX_NESTING} levels deep`, 'GRAPHQL_VALIDATION_FAILED');
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
 * The deepest nesting of `{`, `[` and `(` in a document, read with graphql's own lexer (which
 * works in a loop, not recursively) and stopping after `maxTokens` tokens or at the first
 * syntax error (the parser reports those).
 */
export function nestingDepth(query: string, maxTokens = Number.MAX_SAFE_INTEGER): number {
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  let deepest = 0;
  try {
    for (let n = 0; n <= maxTokens; n++) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) break;
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) deepest = Math.max(deepest, ++depth);
      else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) depth--;
    }
  } catch {
    // A syntax error: the parser reports it, with its location.
  }
  return deepest;
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

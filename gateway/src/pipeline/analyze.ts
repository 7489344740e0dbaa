import { getOperationAST, print, type DocumentNode, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../../platform/authz/principal.js';
import type { ResponseCache } from '../plugins/response-cache.js';
import { DEFAULT_DOCUMENT_LIMITS, DocumentRefusal, parseBounded, type DocumentLimits } from '../request/document-limits.js';
import { checkOperation, isRefusal, refusal, type Refusal } from '../request/operation-check.js';
import { pageArguments, pageSizeProblem } from '../request/page-size.js';
import { DEFAULT_STRUCTURAL_LIMITS, structuralLimitRules, type StructuralLimits } from '../request/structural-limits.js';
import type { GatewayAuth, RemovedField } from '../types.js';
import type { OperationEntry } from './operation-entry.js';
import { answered, type Stage } from './stage.js';

/** What the gateway knows of one operation text for one visibility class. */
type Analysis = (OperationEntry & { refusal?: undefined }) | { refusal: Refusal };

/** Options of the analyze stage. */
export interface AnalyzeOptions {
  /** The API schema, once the gateway has loaded the supergraph. */
  schema(): GraphQLSchema | undefined;
  auth: Pick<GatewayAuth, 'filterOperation' | 'visibilityKey'>;
  /** The response cache, whose lifetimes an operation takes (0 without it). */
  responseCache?: ResponseCache;
  limits?: Partial<DocumentLimits>;
  structuralLimits?: Partial<StructuralLimits>;
  /** Whether a principal may introspect the schema (default: everyone but partners, and nobody when NODE_ENV=production). */
  introspection?(principal: Principal): boolean;
}

/** Introspection is for developers: not for partners (third parties), not in production. */
export function defaultIntrospection(principal: Principal): boolean {
  return process.env.NODE_ENV !== 'production' && !principal.partnerId && !principal.roles.includes('partner');
}

/**
 * Parses the operation within the document limits, validates it against the API schema, picks
 * the operation to run and filters it for the principal's visibility class; what is refused is
 * refused alike for every principal, before any field is filtered. The outcome is pure in (query
 * text, operation name, visibility), so it is cached like a query plan: by the text (a string the
 * request already has, hashed once; not a key built of text and class for every request), then by
 * visibility class and operation name; bounded by the text it holds as well as by count (a query
 * may be megabytes long). Without a loaded schema, or without a query text, Apollo answers the
 * request itself.
 */
export function analyzeStage(options: AnalyzeOptions): Stage {
  const limits: DocumentLimits = { ...DEFAULT_DOCUMENT_LIMITS, ...(options.limits ?? {}) };
  const limitRules = structuralLimitRules({ ...DEFAULT_STRUCTURAL_LIMITS, ...(options.structuralLimits ?? {}) });
  const introspection = options.introspection ?? defaultIntrospection;
  const analyses = new LRUCache<string, Map<string, Analysis>>({
    max: 2000,
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (byClass, query) => {
      let size = query.length + 1;
      for (const [classKey, entry] of byClass) size += classKey.length + (entry.refusal ? 256 : entry.query.length) + 1;
      return size;
    },
  });
  return {
    name: 'analyze',
    handle(exchange, next) {
      const schema = options.schema();
      const query = exchange.params?.query;
      const principal = exchange.principal;
      if (!schema || query === undefined || !principal) return next();
      const operationName = exchange.params?.operationName;
      const classKey = operationName === undefined ? options.auth.visibilityKey(principal) : `${options.auth.visibilityKey(principal)}\u0000${operationName}`;
      const byClass = analyses.get(query);
      let analysis = byClass?.get(classKey);
      if (!analysis) {
        analysis = analyze(schema, query, operationName, principal, options, limits, { limitRules, introspection: introspection(principal) });
        if (!byClass) analyses.set(query, new Map([[classKey, analysis]]));
        else {
          // The oldest class of a text goes first past the bound (a text many resellers send has one class each).
          if (byClass.size >= CLASSES_PER_TEXT) byClass.delete(byClass.keys().next().value!);
          byClass.set(classKey, analysis);
          // Set again so that its size counts the new class.
          analyses.set(query, byClass);
        }
      }
      if (analysis.refusal) return answered(analysis.refusal.status, { errors: analysis.refusal.errors });
      // A GET must not change anything (GraphQL over HTTP): refused before filtering could answer it.
      if (exchange.req.method === 'GET' && analysis.definition.operation !== 'query') {
        return answered(405, { errors: [{ message: `A ${analysis.definition.operation} must be sent with POST`, extensions: { code: 'BAD_REQUEST' } }] }, { allow: 'POST' });
      }
      const pageProblem = pageSizeProblem(analysis.pageArguments, analysis.definition, exchange.params?.variables);
      if (pageProblem) return answered(400, { errors: [{ message: pageProblem, extensions: { code: 'BAD_USER_INPUT' } }] });
      exchange.operation = analysis;
      return next();
    },
  };
}

/** Visibility classes (with operation names) kept for one text. */
const CLASSES_PER_TEXT = 256;

/** Analyses made in this process, for their ids. */
let analysesMade = 0;

function analyze(
  schema: GraphQLSchema,
  query: string,
  operationName: string | undefined,
  principal: Principal,
  options: AnalyzeOptions,
  limits: DocumentLimits,
  check: Parameters<typeof checkOperation>[3],
): Analysis {
  let document: DocumentNode;
  try {
    document = parseBounded(query, limits);
  } catch (err) {
    if (!(err instanceof DocumentRefusal)) throw err;
    return { refusal: refusal(400, err.code, err.message, err.locations ? { locations: err.locations } : {}) };
  }
  const parsed = document;
  const original = checkOperation(schema, document, operationName, check);
  if (isRefusal(original)) return { refusal: original };
  let removed: RemovedField[] = [];
  let executable = true;
  let deniedMutations: string[] = [];
  if (options.auth.filterOperation) {
    const result = options.auth.filterOperation({ schema, document, operationName, principal });
    document = result.document;
    removed = result.removed;
    executable = result.executable !== false;
    if (original.operation === 'mutation' && removed.length > 0) {
      const refusedKeys = new Set(removed.filter((r) => r.path.length === 1).map((r) => r.path[0]));
      deniedMutations = original.selectionSet.selections.flatMap((s) => (s.kind === 'Field' && refusedKeys.has((s.alias ?? s.name).value) ? [s.name.value] : []));
    }
  }
  const runs = getOperationAST(document, operationName) ?? original;
  const operation = runs.operation;
  const cache = options.responseCache;
  const ttlMs = cache && operation === 'query' ? cache.ttlMs(schema, document) : 0;
  const staleMs = cache && ttlMs > 0 ? cache.staleMs(schema, document) : 0;
  return {
    id: `a${++analysesMade}`,
    query: removed.length > 0 ? print(document) : query,
    removed,
    executable,
    document,
    operation,
    ttlMs,
    staleMs,
    deniedMutations,
    definition: original,
    runs,
    clientDocument: parsed,
    pageArguments: pageArguments(parsed, original),
  };
}

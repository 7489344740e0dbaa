import type { DocumentNode, OperationDefinitionNode, OperationTypeNode } from 'graphql';
import type { PageArgument } from '../request/page-size.js';
import type { RemovedField } from '../auth/operation-filter.js';

/** A parsed, valid operation filtered for one visibility class: what the later stages work with, cached like a query plan. */
export interface OperationEntry {
  /**
   * Identifies this analysis (one client text and operation name for one visibility class) in this
   * process: the response cache keys by it instead of by the text, which may be long.
   */
  readonly id: string;
  /** The query that runs: the filtered text when fields were removed. */
  query: string;
  removed: RemovedField[];
  /** False when nothing the principal may see is left to run. */
  executable: boolean;
  /** The document that runs (filtered). */
  document: DocumentNode;
  operation?: OperationTypeNode;
  /** TTL of its response in the response cache; 0 when it is not cached (mutations, cache off). */
  ttlMs: number;
  /** How long past the TTL its response may be served stale while refreshed; 0 when never. */
  staleMs: number;
  /** Root mutation fields the filter refused (schema names). */
  deniedMutations: string[];
  /** The operation as the client wrote it (before filtering). */
  definition: OperationDefinitionNode;
  /** The operation of `document`: what runs. */
  runs: OperationDefinitionNode;
  /** The document as the client sent it (before filtering): what demand control charges. */
  clientDocument: DocumentNode;
  /** Its `first` arguments, checked against each request's variables. */
  pageArguments: PageArgument[];
}

import { getOperationAST, Kind, NoSchemaIntrospectionCustomRule, specifiedRules, validate, type DocumentNode, type GraphQLError, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';

/** A request the gateway answers itself, before planning: an HTTP status and GraphQL errors. */
export interface Refusal {
  status: number;
  errors: GraphQLFormattedError[];
}

/** A refusal with one error. */
export function refusal(status: number, code: string, message: string, extra: Partial<GraphQLFormattedError> = {}): Refusal {
  return { status, errors: [{ message, ...extra, extensions: { ...(extra.extensions ?? {}), code } }] };
}

/**
 * Validates a parsed document against the API schema and picks the operation to run, the way
 * Apollo Server would, so that what the gateway does next (filtering fields, caching) only ever
 * sees a valid document: an invalid one is refused alike for every principal, whatever fields
 * it could or could not see.
 */
export function checkOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, options: CheckOptions = {}): OperationDefinitionNode | Refusal {
  const introspection = options.introspection ?? true;
  // The limits first: they are linear, and keep documents that would make the specified rules slow from reaching them.
  let errors = options.limitRules?.length ? validate(schema, document, options.limitRules) : [];
  if (errors.length === 0) errors = validate(schema, document, introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule]);
  if (errors.length > 0) return { status: 400, errors: errors.map((e) => validationError(e, introspection)) };
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
    const message =
      operationName !== undefined
        ? `Unknown operation named "${operationName.slice(0, 100)}".`
        : operations === 0
          ? 'The document holds no operation.'
          : 'Must provide operation name if query contains multiple operations.';
    return refusal(400, 'OPERATION_RESOLUTION_FAILURE', message);
  }
  if (!schema.getRootType(operation.operation)) {
    return refusal(400, 'GRAPHQL_VALIDATION_FAILED', `The schema has no ${operation.operation} root type: ${operation.operation}s are not supported`);
  }
  return operation;
}

/** Options of {@link checkOperation}. */
export interface CheckOptions {
  /** Rules run before the specified ones (the structural limits). */
  limitRules?: readonly ValidationRule[];
  /** Whether the principal may introspect the schema (default true); without it, messages suggest no field names either. */
  introspection?: boolean;
}

/** A validation error as the client sees it: coded, and without "Did you mean" hints for a principal who may not introspect. */
function validationError(error: GraphQLError, introspection: boolean): GraphQLFormattedError {
  const message = introspection ? error.message : error.message.replace(/ Did you mean .*\?$/, '');
  return { message, ...(error.locations ? { locations: error.locations } : {}), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
}

/** Whether a value is a refusal rather than an operation. */
export function isRefusal(value: OperationDefinitionNode | Refusal): value is Refusal {
  return 'status' in value && 'errors' in value;
}

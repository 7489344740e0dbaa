import type { HTTPGraphQLRequest } from '@apollo/server';
import { httpFailureBody, httpGraphQLRequestOf, readBody } from '../../../platform/http/apollo-http.js';
import { variablesProblem, type VariableLimits } from '../request/variables-check.js';
import { answered, jsonAnswer, type Answer, type Exchange, type Next, type OperationParams, type Stage } from './stage.js';

/**
 * Reads the HTTP request into Apollo's form: a POST must be JSON (415 otherwise), its body within
 * the limit (413, after reading it to its end so the client hears the answer), its variables
 * bounded and well-formed Unicode (400 BAD_USER_INPUT), an `operationName` non-empty when given.
 */
export function readRequestStage(limits?: VariableLimits): Stage {
  return {
    name: 'read-request',
    handle(exchange, next) {
      const { req } = exchange;
      if (req.method !== 'POST') return readParams(exchange, undefined, limits, next);
      if (!isJsonContentType(req.headers['content-type'])) {
        return answered(415, { errors: [{ message: 'A GraphQL POST must have Content-Type: application/json', extensions: { code: 'BAD_REQUEST' } }] });
      }
      return readBody(req).then(
        (raw) => readParams(exchange, raw, limits, next),
        (err: unknown) => {
          const status = (err as { status?: number }).status;
          if (status === undefined || status >= 500) throw err;
          return jsonAnswer(status, httpFailureBody(status));
        },
      );
    },
  };
}

/** Reads the request (with its body, for a POST) into the exchange, or answers what is wrong with it. */
function readParams(exchange: Exchange, raw: string | undefined, limits: VariableLimits | undefined, next: Next): Promise<Answer> {
  const request = httpGraphQLRequestOf(exchange.req, raw);
  const variables = variablesOf(request);
  const problem = variablesProblem(variables, limits);
  if (problem) return answered(400, { errors: [{ message: problem, extensions: { code: 'BAD_USER_INPUT' } }] });
  if (emptyOperationName(request)) {
    return answered(400, { errors: [{ message: 'operationName must name an operation of the document, or be left out', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }] });
  }
  exchange.request = request;
  const params = paramsOf(request);
  if (variables === INVALID) params.invalidVariables = true;
  else params.variables = variables;
  exchange.params = params;
  return next();
}

/** Media types a GraphQL POST body may have: JSON (GraphQL over HTTP), or its GraphQL response type, which some clients send. */
const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json']);

/** Whether a content type is JSON (with or without parameters). */
function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  // What nearly every client sends, taken without splitting it.
  if (value === 'application/json') return true;
  return JSON_TYPES.has(value.split(';')[0]!.trim().toLowerCase());
}

/** Whether the request names an empty operation (no operation has an empty name). */
function emptyOperationName(request: HTTPGraphQLRequest): boolean {
  if (request.method === 'POST') {
    const body = request.body as { operationName?: unknown } | undefined;
    return !!body && typeof body === 'object' && body.operationName === '';
  }
  return new URLSearchParams(request.search).get('operationName') === '';
}

/** The query and operation name of a GET or POST request, when it has them as strings. */
function paramsOf(request: HTTPGraphQLRequest): OperationParams {
  if (request.method === 'POST') {
    const body = request.body as { query?: unknown; operationName?: unknown } | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
    return {
      query: typeof body.query === 'string' ? body.query : undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    };
  }
  const params = new URLSearchParams(request.search);
  return { query: params.get('query') ?? undefined, operationName: params.get('operationName') ?? undefined };
}

const INVALID = Symbol('invalid variables');

/** The variables of a request; INVALID when they are not a JSON object (Apollo answers that error). */
function variablesOf(request: HTTPGraphQLRequest): Record<string, unknown> | null | undefined | typeof INVALID {
  let variables: unknown;
  if (request.method === 'POST') {
    const body = request.body;
    variables = body !== null && typeof body === 'object' ? (body as { variables?: unknown }).variables : undefined;
  } else {
    const text = new URLSearchParams(request.search).get('variables');
    if (text === null) return undefined;
    try {
      variables = JSON.parse(text);
    } catch {
      return INVALID;
    }
  }
  if (variables === undefined || variables === null) return variables;
  return typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : INVALID;
}

/** Replaces the query of a request (with the filtered one), keeping everything else. */
export function replaceQuery(request: HTTPGraphQLRequest, query: string): void {
  if (request.method === 'POST') {
    (request.body as { query: string }).query = query;
    return;
  }
  const params = new URLSearchParams(request.search);
  params.set('query', query);
  request.search = `?${params.toString()}`;
}

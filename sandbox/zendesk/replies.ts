import type { SandboxRequest, SandboxResponse } from '../common/server.js';

/** Zendesk's answer shapes: JSON bodies, `RecordNotFound`, `RecordInvalid` with details, and request bodies. */

/** A handler's answer. */
export type Reply = SandboxResponse;

/** Validation errors by field, as `details` of a 422 `RecordInvalid`. */
export type Details = Record<string, { description: string; error: string }[]>;

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };

/** A JSON answer. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({ status, headers: { ...JSON_TYPE, ...headers }, body });
/** 404 for a record that does not exist. */
export const notFound = (): Reply => json(404, { error: 'RecordNotFound', description: 'Not found' });
/** 404 for a path the API does not have. */
export const invalidEndpoint = (): Reply => json(404, { error: 'InvalidEndpoint', description: 'Not found' });
/** 400 with Zendesk's `{error, description}`. */
export const badRequest = (error: string, description: string): Reply => json(400, { error, description });
/** 422 `RecordInvalid`. */
export const recordInvalid = (details: Details): Reply => json(422, { error: 'RecordInvalid', description: 'Record validation errors', details });

/** A request body that could not be read as the JSON Zendesk expects. */
export class BodyError extends Error {}

/** The JSON object body of a request (empty body: `{}`); throws BodyError. */
export function readJsonBody(req: SandboxRequest): Record<string, unknown> {
  const text = req.body.toString('utf8');
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new BodyError('The request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BodyError('The request body must be a JSON object');
  return value as Record<string, unknown>;
}

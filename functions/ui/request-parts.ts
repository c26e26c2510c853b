/**
 * The parts of the status page's API that every route shares: the error that ends a request
 * with a status, reading a header, the token check of the actions, and a JSON body's object.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { showValue as show } from '../core/schema-messages.js';
import type { UiRequest } from './api.js';

/** Largest request body an action accepts. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The header that carries the token on POSTs. */
export const TOKEN_HEADER = 'x-cluster-cron-token';

/** An answer that ends the request early: thrown inside, turned into `{ error }` at the top. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function header(request: UiRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Compares in constant time; hashing first makes the lengths equal without revealing the token's. */
export function sameToken(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export async function checkToken(token: string | (() => Promise<string>), request: UiRequest): Promise<void> {
  const given = header(request, TOKEN_HEADER);
  if (given === undefined || given === '')
    throw new HttpError(
      401,
      `missing header X-Cluster-Cron-Token: actions need the token printed when "cluster-cron ui" started (open the URL it printed)`,
    );
  const expected = typeof token === 'string' ? token : await token();
  if (!sameToken(given, expected))
    throw new HttpError(
      403,
      'wrong X-Cluster-Cron-Token: use the token printed when "cluster-cron ui" started (it changes at every start)',
    );
}

/** The request's JSON body as an object (empty: `{}`); a wrong type, size or syntax answers 4xx naming it. */
export function jsonBodyOf(request: UiRequest, example: string): Record<string, unknown> {
  const contentType = header(request, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType))
    throw new HttpError(415, `Content-Type must be application/json, got ${show(contentType || '(none)')}`);
  const bytes = request.body === undefined ? 0 : Buffer.byteLength(request.body);
  if (bytes > MAX_BODY_BYTES) throw new HttpError(413, `request body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}`);
  const text = request.body === undefined ? '' : request.body.toString();
  let input: unknown = {};
  if (text.trim() !== '') {
    try {
      input = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, `request body is not valid JSON (${(error as Error).message})`);
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new HttpError(400, `request body must be a JSON object such as ${example}; got ${show(input)}`);
  return input as Record<string, unknown>;
}

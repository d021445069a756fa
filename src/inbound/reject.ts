/**
 * A problem+json response with extra headers (WWW-Authenticate, RateLimit). GatewayError carries no
 * headers, and Hono drops headers set on the context before a throw, so middleware that must add
 * headers to its own refusal returns this instead of throwing. Same renderer as `onError`.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { GatewayError } from '../errors/gateway-error.js';
import { problemResponse } from '../errors/problem.js';

export function rejection(c: Context<AppEnv>, err: GatewayError, headers: Record<string, string>): Response {
  noteProblem(c, err);
  const res = problemResponse(err, c.get('requestId') ?? randomUUID());
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}

/** Remembers the problem a request was answered with, for its log line (code and invalid parameter names). */
export function noteProblem(c: Context<AppEnv>, err: GatewayError): void {
  c.set('problem', err.invalidParams ? { code: err.code, invalidParams: err.invalidParams.map((p) => p.name) } : { code: err.code });
}

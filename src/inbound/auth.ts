/**
 * Inbound API keys. A client presents its key as `Authorization: Bearer <key>` or `x-api-key: <key>`; we
 * hash it with SHA-256 and compare the digest with every configured client's `keySha256` in constant time,
 * so keys are never stored and timing says nothing about which client, if any, came close.
 *
 * Not hono/bearer-auth: it reads one header, answers a malformed token with 400 and a plain-text body,
 * stops at the first matching token, and knows nothing of scopes or per-client vendors.
 *
 * Wrong keys are throttled per remote address (auth-failures.ts): past its budget an address gets 429
 * before its key is even looked at.
 *
 * With no clients configured auth is off (the demo default) and this middleware passes everything;
 * `checkAuthConfig` refuses that when `authRequired` is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiClient, AppEnv } from '../app-env.js';
import type { GatewayConfig } from '../config/gateway-schema.js';
import { ConfigError, type ConfigProblem } from '../config/load.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../app.js';
import type { Clock } from '../state/clock.js';
import type { AuthFailureThrottle } from './auth-failures.js';
import { remoteAddress } from './rate-limit.js';
import { rejection } from './reject.js';
import { forbiddenVendors, requestedVendors, vendorRefusal } from './vendors.js';

export type InboundConfig = GatewayConfig['inbound'];
export type ClientConfig = InboundConfig['clients'][number];

/** The scope GET /conversations requires. */
export const READ_CONVERSATIONS = 'conversations:read';

const CHALLENGE = 'Bearer realm="switchboard"';

export const authIsOff = (inbound: Pick<InboundConfig, 'clients'>): boolean => inbound.clients.length === 0;

/**
 * Startup checks on `inbound`: throws a ConfigError (server.ts prints it and exits 1) when auth is required
 * but no client is configured, when two clients share an id or a key, or when a client's `vendors` names a
 * vendor that isn't configured (pass `vendorNames` to check that).
 */
export function checkAuthConfig(inbound: InboundConfig, vendorNames?: readonly string[]): void {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ file: 'gateway.yaml', line: null, path, message });
  if (inbound.authRequired && inbound.clients.length === 0) {
    problem('inbound.clients', 'is empty, but inbound.authRequired (AUTH_REQUIRED) is true: configure at least one client, or set AUTH_REQUIRED=false to run without auth');
  }
  const ids = new Map<string, number>();
  const keys = new Map<string, number>();
  inbound.clients.forEach((client, i) => {
    const sameId = ids.get(client.id);
    if (sameId !== undefined) problem(`inbound.clients.${i}.id`, `"${client.id}" is also the id of inbound.clients.${sameId}`);
    else ids.set(client.id, i);
    const hash = client.keySha256.toLowerCase();
    const sameKey = keys.get(hash);
    if (sameKey !== undefined) problem(`inbound.clients.${i}.keySha256`, `is also the key of inbound.clients.${sameKey}: give every client its own key`);
    else keys.set(hash, i);
    if (client.vendors?.length === 0) problem(`inbound.clients.${i}.vendors`, 'is empty: omit it to allow every vendor, or name at least one');
    if (vendorNames) {
      const unknown = (client.vendors ?? []).filter((v) => !vendorNames.includes(v));
      if (unknown.length > 0) problem(`inbound.clients.${i}.vendors`, `names ${unknown.join(', ')}, not a configured vendor (known: ${vendorNames.join(', ')})`);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
}

export type PresentedKey = { ok: true; key: string } | { ok: false; reason: 'missing' | 'malformed' | 'conflict'; detail: string };

/** The key a request presents in `Authorization: Bearer` or `x-api-key`, or why there is none to check. */
export function presentedKey(authorization: string | undefined, apiKey: string | undefined): PresentedKey {
  let bearer: string | undefined;
  const auth = authorization?.trim();
  if (auth) {
    // The scheme is case-insensitive (RFC 9110 §11.1).
    const m = /^bearer[ \t]+(\S.*)$/is.exec(auth);
    if (!m) return { ok: false, reason: 'malformed', detail: 'the Authorization header must be "Bearer <key>"' };
    bearer = m[1]!.trim();
  }
  const header = apiKey?.trim() || undefined;
  if (bearer !== undefined && header !== undefined && bearer !== header) {
    return { ok: false, reason: 'conflict', detail: 'Authorization and x-api-key carry different keys: send one' };
  }
  const key = bearer ?? header;
  if (key === undefined) return { ok: false, reason: 'missing', detail: 'an API key is required: send "Authorization: Bearer <key>" or "x-api-key: <key>"' };
  return { ok: true, key };
}

interface KnownKey {
  digest: Buffer;
  client: ClientConfig;
}

/** The client whose key this is. Compares against every client, so the time taken doesn't depend on which matched. */
export function findClient(known: readonly KnownKey[], key: string): ClientConfig | undefined {
  // Node decodes header bytes as latin1: hashing latin1 reproduces the bytes the client sent.
  const digest = createHash('sha256').update(key, 'latin1').digest();
  let found: ClientConfig | undefined;
  for (const k of known) {
    const same = timingSafeEqual(digest, k.digest);
    if (same && found === undefined) found = k.client;
  }
  return found;
}

export interface ClientAuthOptions {
  /** The scope a client needs for the routes this guards (default `conversations:read`). */
  scope?: string;
  /** Throttles failed authentication per remote address (none: unthrottled). */
  failures?: { throttle: AuthFailureThrottle; clock: Clock; logger: Logger };
}

/**
 * Recognises the client by its key and stores it as `c.get('client')`. Refuses a missing, malformed or
 * unknown key (401 with WWW-Authenticate), a client without the scope, and a `vendor=` naming a vendor
 * the client may not read (403).
 */
export function clientAuth(inbound: InboundConfig, opts: ClientAuthOptions = {}): MiddlewareHandler<AppEnv> {
  const scope = opts.scope ?? READ_CONVERSATIONS;
  if (authIsOff(inbound)) return async (_c, next) => next();
  const known: KnownKey[] = inbound.clients.map((client) => ({ digest: Buffer.from(client.keySha256, 'hex'), client }));
  const failures = opts.failures;
  return async (c, next) => {
    const address = failures ? remoteAddress(c) : '';
    const waitMs = failures?.throttle.blockedFor(address, failures.clock.now()) ?? 0;
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      return rejection(c, new GatewayError('RATE_LIMITED', `too many failed authentication attempts from this address; retry in ${seconds} s`, { retryAfter: seconds }), {});
    }
    // A key that was sent and is wrong counts against the address; no key at all guesses nothing.
    const failed = () => {
      if (failures?.throttle.failed(address, failures.clock.now())) {
        failures.logger.warn({ requestId: c.get('requestId'), address }, 'too many failed authentication attempts: this address is refused for a while');
      }
    };
    const presented = presentedKey(c.req.header('authorization'), c.req.header('x-api-key'));
    if (!presented.ok) {
      if (presented.reason !== 'missing') failed();
      const challenge = presented.reason === 'missing' ? CHALLENGE : `${CHALLENGE}, error="invalid_request"`;
      return rejection(c, new GatewayError('UNAUTHORIZED', presented.detail), { 'www-authenticate': challenge });
    }
    const found = findClient(known, presented.key);
    if (!found) {
      failed();
      return rejection(c, new GatewayError('UNAUTHORIZED', 'the API key is not valid'), { 'www-authenticate': `${CHALLENGE}, error="invalid_token"` });
    }
    const client: ApiClient = found.vendors ? { id: found.id, vendors: found.vendors } : { id: found.id };
    // Set before any 403, so the request log names who was refused.
    c.set('client', client);
    if (!found.scopes.includes(scope)) throw new GatewayError('FORBIDDEN', `client ${found.id} lacks the scope ${scope}`);
    const denied = forbiddenVendors(client, requestedVendors(c.req.queries('vendor')));
    if (denied.length > 0) throw vendorRefusal(client, denied);
    await next();
  };
}

/**
 * Per-client vendor restriction. A client configured with `vendors` reads only those: naming another one
 * is a 403, and a request that names none is narrowed to the client's vendors. Pure functions; the
 * route calls `allowedVendors` for a fresh query and `checkCursorVendors` for a cursor.
 */
import type { ApiClient } from '../app-env.js';
import { GatewayError } from '../errors/gateway-error.js';

/** Vendor names in a request's `vendor` parameters (every occurrence, comma lists split), or undefined for none. */
export function requestedVendors(values: readonly string[] | undefined): string[] | undefined {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return names.length > 0 ? [...new Set(names)] : undefined;
}

/** The requested vendors this client may not read; empty when it may read them all. */
export function forbiddenVendors(client: ApiClient | undefined, requested: readonly string[] | undefined): string[] {
  const mine = client?.vendors;
  if (!mine || !requested) return [];
  return requested.filter((v) => !mine.includes(v));
}

export const vendorRefusal = (client: ApiClient, denied: readonly string[]): GatewayError =>
  new GatewayError('FORBIDDEN', `client ${client.id} may not read vendor${denied.length === 1 ? '' : 's'} ${denied.join(', ')}`);

/**
 * The value for `Query.vendors`. An unrestricted caller (no client, or a client without `vendors`) gets
 * what it asked for, `[]` when it named none (every enabled vendor, as before). A restricted client gets
 * its request when every vendor in it is allowed (else 403), or, when it named none, its vendors among
 * `all` (the enabled ones) — never `[]`, which would mean every vendor: with none left it is a 403.
 */
export function allowedVendors(client: ApiClient | undefined, requested: string[] | undefined, all: readonly string[]): string[] {
  const asked = requested && requested.length > 0 ? requested : undefined;
  const mine = client?.vendors;
  if (!client || !mine) return asked ?? [];
  const denied = forbiddenVendors(client, asked);
  if (denied.length > 0) throw vendorRefusal(client, denied);
  if (asked) return asked;
  const allowed = all.filter((v) => mine.includes(v));
  if (allowed.length === 0) throw new GatewayError('FORBIDDEN', `client ${client.id} may read none of the enabled vendors`);
  return allowed;
}

/**
 * A cursor carries the query it continues, vendors included (`[]`: every enabled vendor). Cursors are not
 * bound to a client, so one issued to another client could reach further: refuse it (403) rather than
 * narrow it, since the cursor's offset and per-vendor positions only hold for its own vendor set.
 */
export function checkCursorVendors(client: ApiClient | undefined, cursorVendors: readonly string[], all: readonly string[]): void {
  if (!client?.vendors) return;
  const reached = cursorVendors.length > 0 ? cursorVendors : all;
  const denied = forbiddenVendors(client, reached);
  if (denied.length > 0) {
    throw new GatewayError('FORBIDDEN', `this cursor reads vendor${denied.length === 1 ? '' : 's'} ${denied.join(', ')}, which client ${client.id} may not read`);
  }
}

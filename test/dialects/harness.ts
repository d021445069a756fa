/**
 * Drives a dialect vendor the way the gateway will: its YAML through interpolation, the schema and the
 * dialect compiler, then real HTTP to its simulator using only what the compiled config says to send.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { request } from 'undici';
import { parse } from 'yaml';
import { gatewaySchema } from '../../src/config/gateway-schema.js';
import { interpolate, type Env } from '../../src/config/interpolate.js';
import { vendorSchema, type VendorConfig } from '../../src/config/vendor-schema.js';
import type { RawResponse } from '../../src/dialect/errors.js';
import type { Token } from '../../src/dialect/paging.js';
import { compileVendor, type CompiledVendor, type Page } from '../../src/dialect/vendor.js';
import type { VendorFailure } from '../../src/errors/gateway-error.js';
import type { SimCredentials, Simulator } from '../../sim/kit.js';

export const stemOf = (file: string): string => basename(file).replace(/\.ya?ml$/, '');

/** The YAML after `${VAR}` interpolation, before validation. */
export const readConfig = (file: string, env: Env = {}): unknown => interpolate(parse(readFileSync(file, 'utf8')), env);

export function loadVendor(file: string, env: Env = {}): { config: VendorConfig; compiled: CompiledVendor } {
  const config = vendorSchema.parse(readConfig(file, env));
  return { config, compiled: compileVendor(config, gatewaySchema.parse({})) };
}

/** What the simulator must accept: exactly the credentials and fixed query the config sends. */
export function credsOf(config: VendorConfig): SimCredentials {
  const a = config.auth;
  const query = Object.fromEntries(Object.entries(config.request.query).map(([k, p]) => [k, typeof p === 'string' ? p : p.value]));
  return {
    query,
    ...(a.type === 'bearer' ? { bearer: a.token } : {}),
    ...(a.type === 'header' ? { header: { name: a.name, value: a.value } } : {}),
    ...(a.type === 'basic' ? { basic: { username: a.username, password: a.password } } : {}),
  };
}

/** One page request, built by the compiled vendor and sent with its headers only. */
export async function call(sim: Simulator, v: CompiledVendor, params: readonly [string, string][], token: Token, size: number): Promise<RawResponse> {
  const r = v.buildRequest(params, token, size);
  const res = await request(`${sim.url}${r.path}${r.query === '' ? '' : `?${r.query}`}`, { method: 'GET', headers: { ...v.headers } });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

export const isFailure = (p: Page | VendorFailure): p is VendorFailure => !('items' in p);

/** Every raw item over every page, following the compiled paging; throws on a failure or a runaway loop. */
export async function readAll(sim: Simulator, v: CompiledVendor, params: readonly [string, string][], size: number): Promise<{ items: unknown[]; pages: number }> {
  const items: unknown[] = [];
  let token: Token | undefined = v.paging.first();
  let pages = 0;
  while (token !== undefined) {
    if (++pages > 1000) throw new Error('paging never ended');
    const page = v.readPage(await call(sim, v, params, token, size));
    if (isFailure(page)) throw new Error(`${page.code}: ${page.message}`);
    items.push(...page.items);
    token = v.paging.next(token, size, page.facts);
  }
  return { items, pages };
}

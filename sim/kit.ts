/**
 * A tiny HTTP harness the vendor simulators share: a real node:http server on loopback, a record of every
 * call it received, and fault injection. Vendor dialects live in the simulators, never here.
 */
import { STATUS_CODES, createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CanonicalConversation } from './canonical.js';
import type { VendorConfig } from '../src/config/vendor-schema.js';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body: unknown;
}

/**
 * Faults a simulator can be told to answer with (for every request until cleared). `afterMs`: only from
 * that long after the simulator starts (a vendor that turns hostile once the gateway is up and its mirrors
 * are warm).
 */
export type Fault = FaultKind & { afterMs?: number };
type FaultKind =
  | { kind: 'hang' }
  | { kind: 'slow'; ms: number }
  | { kind: 'reset' }
  | { kind: 'malformed' }
  | { kind: 'html'; status?: number }
  /**
   * 429 with the vendor's envelope. A string `retryAfter` is sent as is, hostile values included: digits
   * (`'99999999999999'`, 400 of them) go in the Retry-After header and, as a JSON number literal, in the
   * body wherever the vendor puts its wait; anything else (an HTTP date, garbage) as a string.
   */
  | { kind: 'rateLimit'; retryAfter?: number | string; header?: boolean }
  | { kind: 'unavailable' }
  | { kind: 'internal' }
  | { kind: 'auth' }
  | { kind: 'wrongShape' }
  /** Healthy and failing (503, the vendor's envelope) by turns, each turn `periodMs` long. */
  | { kind: 'flap'; periodMs: number }
  /**
   * A careless vendor that echoes what we sent (credentials, fixed query values): in its JSON error envelope
   * (`format: 'json'`, the default; status 500), or as a text/plain body (`format: 'text'`; status 200, a 2xx
   * that is no answer). `pad` filler characters come first, so a test can put a credential where a cut falls.
   */
  | { kind: 'echo'; status?: number; format?: 'json' | 'text'; pad?: number }
  /** Every call is answered as the first one was: the same items and the same next cursor, forever. */
  | { kind: 'loopCursor' }
  /** Every conversation was created, updated and last active at one and the same instant. */
  | { kind: 'sameTimestamp' }
  /** The first item of every page carries a value nested `depth` levels deep (default 10,000). */
  | { kind: 'deepNesting'; depth?: number }
  /** The first item of every page has each of its timestamps as a number far past the Date range (1e17). */
  | { kind: 'hugeTimestamp' }
  /** Every page's items in reverse: a vendor that breaks the order it promises (or is said to give). */
  | { kind: 'reversed' };

/** What a vendor simulator supplies: its list endpoint and its own error envelopes. */
export interface VendorBehaviour {
  /** Answer one request against the current data set. */
  handle(req: SimRequest, data: readonly CanonicalConversation[]): SimResponse;
  /** The vendor's own envelope for a failure kind. */
  error(kind: 'rateLimit' | 'unavailable' | 'internal' | 'auth', opts: { retryAfter?: number | string; header?: boolean }): SimResponse;
}

export interface Simulator {
  readonly url: string;
  /** Every request received, oldest first. */
  readonly calls: SimRequest[];
  data: CanonicalConversation[];
  fault: Fault | null;
  /** Added latency for every answer, in ms (benchmarks, slow-vendor tests). */
  latencyMs: number;
  /** Open client connections right now. */
  readonly connections: number;
  /** Connections the client closed (e.g. when it gave up on a pending answer). */
  readonly hangups: number;
  /** Most requests in progress at once since the last reset (to see what a client sends concurrently). */
  peakInFlight: number;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  data: CanonicalConversation[];
  host?: string;
  port?: number;
  latencyMs?: number;
  fault?: Fault | null;
}

export async function startSimulator(behaviour: VendorBehaviour, opts: SimulatorOptions): Promise<Simulator> {
  const sockets = new Set<import('node:net').Socket>();
  const state = {
    calls: [] as SimRequest[],
    data: opts.data,
    fault: opts.fault?.afterMs ? null : (opts.fault ?? null),
    latencyMs: opts.latencyMs ?? 0,
    hangups: 0,
    inFlight: 0,
    peak: 0,
    /** Under `loopCursor`: the first request received, answered again for every later one. */
    first: undefined as SimRequest | undefined,
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const simReq: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    state.calls.push(simReq);
    state.peak = Math.max(state.peak, ++state.inFlight);
    res.on('close', () => state.inFlight--);
    if (state.fault?.kind === 'loopCursor') state.first ??= simReq;
    const asked = state.fault?.kind === 'loopCursor' ? state.first! : simReq;
    const answer = () => respond(behaviour, state.fault, asked, state.data, res);
    if (state.latencyMs > 0) setTimeout(answer, state.latencyMs);
    else answer();
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A client that hangs up gets its socket closed, even while a fault keeps its answer pending.
    s.on('end', () => {
      state.hangups++;
      s.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const later = opts.fault?.afterMs ? setTimeout(() => (state.fault = opts.fault!), opts.fault.afterMs) : undefined;
  later?.unref();

  return {
    url: `http://127.0.0.1:${port}`,
    get calls() { return state.calls; },
    get data() { return state.data; },
    set data(d) { state.data = d; },
    get fault() { return state.fault; },
    set fault(f) {
      clearTimeout(later);
      state.fault = f;
      state.first = undefined;
    },
    get latencyMs() { return state.latencyMs; },
    set latencyMs(ms) { state.latencyMs = ms; },
    get connections() { return sockets.size; },
    get hangups() { return state.hangups; },
    get peakInFlight() { return state.peak; },
    set peakInFlight(n) { state.peak = n; },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(later);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function respond(
  behaviour: VendorBehaviour,
  fault: Fault | null,
  req: SimRequest,
  data: readonly CanonicalConversation[],
  res: ServerResponse,
): void {
  switch (fault?.kind) {
    case 'hang':
      return; // never answer; the socket stays open until the client gives up
    case 'slow':
      setTimeout(() => send(res, behaviour.handle(req, data)), fault.ms);
      return;
    case 'reset': {
      // Headers and half a body, then the connection dies.
      const body = JSON.stringify(behaviour.handle(req, data).body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    case 'malformed':
      return send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"data": [{"id": "1",' });
    case 'html': {
      // What nginx in front of a vendor sends when the vendor is down.
      const status = fault.status ?? 502;
      const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
      return send(res, {
        status,
        headers: { 'content-type': 'text/html' },
        body: `<html><head><title>${title}</title></head><body><h1>${title}</h1><hr>nginx</body></html>`,
      });
    }
    case 'wrongShape':
      return send(res, { status: 200, body: { unexpected: true, items: 'none' } });
    case 'flap':
      if (Math.floor(Date.now() / fault.periodMs) % 2 === 1) return send(res, behaviour.error('unavailable', {}));
      return send(res, behaviour.handle(req, data));
    case 'echo': {
      const filler = '.'.repeat(fault.pad ?? 0);
      // What a debugging vendor shows first: the headers that are ours (credentials), then the query.
      const ours = Object.entries(req.headers).filter(([k]) => !PLAIN_HEADERS.has(k)).map(([k, v]) => `${k}: ${String(v)}`);
      const echoed = `${filler}${ours.join('; ')}; query ${req.query.toString()}; headers ${JSON.stringify(req.headers)}`;
      if (fault.format === 'text') return send(res, { status: fault.status ?? 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: echoed });
      const message = `debug: ${echoed}`;
      return send(res, {
        status: fault.status ?? 500,
        headers: { 'retry-after': String(req.headers.authorization ?? '1') },
        body: { error: { code: `${filler}${String(req.headers.authorization ?? 'ECHO')}`, message }, message, success: false },
      });
    }
    case 'sameTimestamp':
      return send(res, behaviour.handle(req, oneInstant(data)));
    case 'deepNesting':
    case 'hugeTimestamp':
      return send(res, spoilFirstItem(behaviour.handle(req, data), fault));
    case 'reversed': {
      const r = behaviour.handle(req, data);
      firstList(r.body)?.reverse();
      return send(res, r);
    }
    case 'rateLimit': {
      const after = fault.retryAfter ?? 30;
      return send(res, behaviour.error('rateLimit', { retryAfter: typeof after === 'string' && /^\d+$/.test(after) ? RAW_NUMBER + after : after, header: fault.header ?? true }));
    }
    case 'unavailable':
    case 'internal':
    case 'auth':
      return send(res, behaviour.error(fault.kind, {}));
    default:
      return send(res, behaviour.handle(req, data));
  }
}

/**
 * Marks a string of digits to be written as a bare JSON number: JSON.stringify can't write one beyond a
 * double's range (it would be `null`), and a hostile vendor can. In a header it is the digits.
 */
const RAW_NUMBER = 'sim-raw-number:';

/** Request headers every client sends; the others are the caller's own (credentials among them). */
const PLAIN_HEADERS = new Set(['host', 'connection', 'accept', 'accept-encoding', 'user-agent', 'x-request-id', 'content-length', 'keep-alive']);

/** The data set with every conversation's instants set to the first one's: one giant tie. */
function oneInstant(data: readonly CanonicalConversation[]): CanonicalConversation[] {
  const at = data[0]?.lastActivityAt ?? 0;
  return data.map((c) => ({ ...c, createdAt: at, updatedAt: at, lastActivityAt: at }));
}

/** A value `depth` levels deep, as JSON text (JSON.stringify itself can't write one that deep). */
const deepJson = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Far past the largest instant a Date holds (8.64e15 ms): a number in ms, seconds or any unit. */
export const HUGE_TIME = 1e17;

/**
 * Spoils the first item of a page, wherever the vendor's envelope keeps its items (the first list of
 * objects found, breadth first): a deeply nested value, or timestamps past the Date range.
 */
function spoilFirstItem(r: SimResponse, fault: Extract<Fault, { kind: 'deepNesting' | 'hugeTimestamp' }>): SimResponse {
  const item = firstItem(r.body);
  if (!item) return r;
  if (fault.kind === 'hugeTimestamp') {
    for (const [k, v] of Object.entries(item)) if (looksLikeTime(v)) item[k] = HUGE_TIME;
    return r;
  }
  const marker = '"__deep_nesting__"';
  item.nested = '__deep_nesting__';
  return { ...r, body: JSON.stringify(r.body).replace(marker, deepJson(fault.depth ?? 10_000)) };
}

function firstItem(body: unknown): Record<string, unknown> | null {
  return (firstList(body)?.[0] as Record<string, unknown> | undefined) ?? null;
}

/** The first list of objects in a body, breadth first: where the vendor's envelope keeps its items. */
function firstList(body: unknown): unknown[] | null {
  const queue: unknown[] = [body];
  while (queue.length > 0) {
    const v = queue.shift();
    if (Array.isArray(v)) {
      if (typeof v[0] === 'object' && v[0] !== null && !Array.isArray(v[0])) return v;
      queue.push(...v);
    } else if (typeof v === 'object' && v !== null) queue.push(...Object.values(v));
  }
  return null;
}

/** An ISO 8601 instant, or an epoch number in seconds or milliseconds (2001 to 5138). */
const looksLikeTime = (v: unknown): boolean =>
  (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)) || (typeof v === 'number' && v >= 1e9 && v < 1e14);

function send(res: ServerResponse, r: SimResponse): void {
  if (res.destroyed) return;
  const json = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const text = json.includes(RAW_NUMBER) ? json.replace(new RegExp(`"${RAW_NUMBER}(\\d+)"`, 'g'), '$1') : json;
  const given = Object.entries(r.headers ?? {}).map(([k, v]) => [k, v.startsWith(RAW_NUMBER) ? v.slice(RAW_NUMBER.length) : v] as const);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...Object.fromEntries(given) };
  res.writeHead(r.status, headers);
  res.end(text);
}

/** Shared helpers for simulators' query handling. */
export function intParam(q: URLSearchParams, name: string): number | null | 'invalid' {
  const v = q.get(name);
  if (v === null || v === '') return null;
  if (!/^-?\d+$/.test(v)) return 'invalid';
  return Number(v);
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** What the gateway's config says it will send, so an embedded simulator accepts exactly that. */
export interface SimCredentials {
  bearer?: string;
  header?: { name: string; value: string };
  basic?: { username: string; password: string };
  /** Fixed query parameters the config sends on every call (e.g. a required scope). */
  query: Record<string, string>;
}

/** One vendor's simulator: its behaviour plus the test oracle for what the gateway must make of it. */
export interface SimulatorModule {
  behaviour(creds: SimCredentials): VendorBehaviour;
  /** The unified conversation the gateway must produce from this record (raw excluded). */
  expected(c: CanonicalConversation, vendor: string, opts: { messages: boolean }): import('../src/model/conversation.js').Conversation;
  /** The text the vendor's own `search` looks in, when the vendor offers search. */
  searchText?(c: CanonicalConversation): string;
  /** Deterministic data shaped for this vendor (e.g. only the channels it has). */
  demoData(seed: number, count: number): CanonicalConversation[];
}

/**
 * Faults from a string, for `npm start` (env SIM_FAULTS): `vendor=kind[:arg],…`, e.g.
 * `superagentes=rateLimit:30,uncodie=slow:800,siteassist=html:503`. `echoText[:status]` is the echo as a
 * text/plain body (a 2xx by default). `@SECONDS` starts a fault that long after the simulator
 * (`uncodie=loopCursor@20`). Unknown kinds are an error.
 */
export function parseFaults(spec: string): Record<string, Fault> {
  const out: Record<string, Fault> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z][a-z0-9-]*)=([a-zA-Z]+)(?::(\d+))?(?:@(\d+))?$/.exec(part);
    if (!m) throw new Error(`SIM_FAULTS: "${part}" is not vendor=kind[:number][@seconds]`);
    const [, vendor, kind, arg, after] = m as unknown as [string, string, string, string | undefined, string | undefined];
    const n = arg === undefined ? undefined : Number(arg);
    switch (kind) {
      case 'slow':
        out[vendor] = { kind, ms: n ?? 1000 };
        break;
      case 'html':
        out[vendor] = n === undefined ? { kind } : { kind, status: n };
        break;
      case 'rateLimit':
        // Digits beyond a safe integer stay digits: `rateLimit:99999999999999…` is the hostile vendor.
        out[vendor] = n === undefined ? { kind, header: false } : { kind, retryAfter: Number.isSafeInteger(n) ? n : arg! };
        break;
      case 'hang': case 'reset': case 'malformed': case 'unavailable': case 'internal': case 'auth': case 'wrongShape':
        out[vendor] = { kind };
        break;
      case 'echo':
        out[vendor] = n === undefined ? { kind } : { kind, status: n };
        break;
      case 'echoText':
        out[vendor] = { kind: 'echo', format: 'text', ...(n === undefined ? {} : { status: n }) };
        break;
      case 'loopCursor': case 'sameTimestamp': case 'hugeTimestamp': case 'reversed':
        out[vendor] = { kind };
        break;
      case 'deepNesting':
        out[vendor] = n === undefined ? { kind } : { kind, depth: n };
        break;
      case 'flap':
        out[vendor] = { kind, periodMs: n ?? 1000 };
        break;
      default:
        throw new Error(`SIM_FAULTS: unknown fault kind "${kind}"`);
    }
    if (after !== undefined) out[vendor] = { ...out[vendor]!, afterMs: Number(after) * 1000 };
  }
  return out;
}

/** What a simulator must accept: exactly the credentials and fixed parameters the config sends. */
export function credentialsOf(v: VendorConfig): SimCredentials {
  const query: Record<string, string> = {};
  for (const [k, p] of Object.entries(v.request.query)) query[k] = typeof p === 'string' ? p : p.value;
  const a = v.auth;
  return {
    query,
    ...(a.type === 'bearer' && a.token ? { bearer: a.token } : {}),
    ...(a.type === 'header' && a.value ? { header: { name: a.name, value: a.value } } : {}),
    ...(a.type === 'basic' ? { basic: { username: a.username, password: a.password } } : {}),
  };
}

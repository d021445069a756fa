/**
 * Calls vendors over HTTP: one keep-alive undici Pool per vendor, a deadline per call chain, a cap on the
 * bytes read, and every transport failure turned into a unified VendorFailure.
 */
import { Pool, errors as undiciErrors } from 'undici';
import type { CompiledVendor, PageRequest } from '../dialect/vendor.js';
import { failure, type RawResponse } from '../dialect/errors.js';
import type { VendorFailure } from '../errors/gateway-error.js';
import { injectTraceHeaders } from '../tracing/tracing.js';

/** A failed vendor call, carrying its unified description. */
export class UpstreamError extends Error {
  constructor(
    readonly failure: VendorFailure,
    /** A connection-level failure that a retry of this GET may fix. */
    readonly transient = false,
  ) {
    super(failure.message);
  }
}

export interface CallOptions {
  /** Aborts when the vendor's deadline passes or the caller goes away. */
  signal: AbortSignal;
  /** When the vendor's deadline passes (epoch ms, by the gateway's clock): retries and waits must fit. */
  deadline: number;
  /** Told of each retry and each wait for an outbound token, for the request's report. */
  onRetry?: () => void;
  onWait?: (ms: number) => void;
  /** Whether `signal` aborting means the deadline passed (vs. the caller leaving). */
  timedOut: () => boolean;
  timeoutMs: number;
  /** Sent to the vendor so its logs and ours can be joined. */
  requestId?: string;
  /**
   * A background caller (the mirror sync): the share of the vendor's outbound burst it must leave to live
   * requests. It never waits for a token; it is refused (RATE_LIMITED, with when to come back) instead.
   */
  reserve?: number;
  /**
   * Consumes a 2xx body as it arrives instead of buffering it (the answer's `body` is then empty). Bodies of
   * other statuses are buffered as usual. Whatever the consumer throws comes out as a ConsumerError.
   */
  sink?: (body: AsyncIterable<Buffer>) => Promise<void>;
  /** Most bytes read from this response (default: the vendor's maxResponseBytes). */
  maxBytes?: number;
}

/**
 * A call our own guards refused (outbound budget, 429 memory, open circuit): it never reached the vendor, so
 * it is no call in any count, and says nothing of the vendor's health.
 */
export class RefusedCall extends UpstreamError {}

/**
 * The consumer of a streamed body failed on its own account (a cap of ours, a store that can't write):
 * nothing the vendor did, so no layer retries it or counts it against the vendor's breaker.
 */
export class ConsumerError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

export interface Upstream {
  get(vendor: CompiledVendor, req: PageRequest, opts: CallOptions): Promise<RawResponse>;
  close(): Promise<void>;
}

/** The transport: one keep-alive undici Pool per vendor, and nothing else. Layers wrap it. */
export function createTransport(): Upstream {
  const pools = new Map<string, Pool>();
  // Keyed by vendor and origin: a vendor whose URL changes (a reload) gets a new pool, never the old host.
  const poolFor = (v: CompiledVendor): Pool => {
    const key = `${v.name} ${v.origin}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new Pool(v.origin, { connections: v.connections, keepAliveTimeout: 4_000, pipelining: 1 });
      pools.set(key, pool);
    }
    return pool;
  };

  return {
    async get(vendor, req, opts) {
      const path = req.query ? `${req.path}?${req.query}` : req.path;
      const where = callName(vendor, req);
      // With tracing on, the active span (the vendor call's) goes along as `traceparent`.
      const headers = injectTraceHeaders(opts.requestId ? { ...vendor.headers, 'x-request-id': opts.requestId } : vendor.headers);
      let status = 0;
      try {
        const res = await poolFor(vendor).request({
          method: 'GET',
          path,
          headers,
          signal: opts.signal,
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
        });
        status = res.statusCode;
        const max = opts.maxBytes ?? vendor.maxResponseBytes;
        if (opts.sink && status >= 200 && status < 300) {
          await consume(res.body, max, where, status, opts.sink);
          return { status, headers: res.headers, body: '' };
        }
        const body = await readCapped(res.body, max, where, status);
        return { status, headers: res.headers, body };
      } catch (e) {
        if (e instanceof UpstreamError || e instanceof ConsumerError) throw e;
        const f = classify(e, where, status, opts);
        // Refused, reset or cut mid-body: worth another try. A deadline or a departed caller is not.
        const transient = !opts.signal.aborted && (f.code === 'UPSTREAM_UNAVAILABLE' || f.code === 'UPSTREAM_INVALID_RESPONSE');
        throw new UpstreamError(f, transient);
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => p.destroy())));
      pools.clear();
    },
  };
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, max: number, where: string, status: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new UpstreamError(failure('UPSTREAM_TOO_LARGE', `${where}: response body over ${max} bytes`, { upstreamStatus: status }));
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Feeds a body to a consumer chunk by chunk, within the byte cap. A failure of the stream (the vendor cut the
 * connection) propagates as a transport error; one of the consumer's own as a ConsumerError.
 */
async function consume(
  body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown },
  max: number,
  where: string,
  status: number,
  sink: (body: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  let size = 0;
  let streamError: unknown;
  const capped = async function* () {
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > max) throw new UpstreamError(failure('UPSTREAM_TOO_LARGE', `${where}: response body over ${max} bytes`, { upstreamStatus: status }));
        yield chunk;
      }
    } catch (e) {
      streamError = e;
      throw e;
    }
  };
  try {
    await sink(capped());
  } catch (e) {
    body.destroy();
    if (streamError !== undefined) throw streamError;
    // The consumer may name the vendor's own fault (a body that isn't the JSON it promised): kept as is.
    throw e instanceof ConsumerError || e instanceof UpstreamError ? e : new ConsumerError(e);
  }
}

/** How a call is named in messages: method and URL, never the query string (configs may put keys there). */
export const callName = (vendor: CompiledVendor, req: PageRequest): string => `GET ${vendor.origin}${req.path}`;

/**
 * What a call whose signal fired is, by why it fired: its deadline passed (UPSTREAM_TIMEOUT) or its caller
 * went away. Every layer that stops on the signal (the transport, a token wait, a single-flight waiter)
 * reports it this way, so no DOMException ever reaches a caller as "unexpected failure".
 */
export function abortFailure(where: string, opts: Pick<CallOptions, 'timedOut' | 'timeoutMs'>, upstreamStatus: number | null = null, detail = ''): VendorFailure {
  if (opts.timedOut()) return failure('UPSTREAM_TIMEOUT', `${where}: no complete answer within ${opts.timeoutMs} ms${detail}`, { upstreamStatus });
  return failure('UPSTREAM_UNAVAILABLE', `${where}: call aborted because the client went away`, { upstreamStatus });
}

function classify(e: unknown, where: string, status: number, opts: CallOptions): VendorFailure {
  const upstreamStatus = status || null;
  if (opts.timedOut() || e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError || e instanceof undiciErrors.ConnectTimeoutError) {
    return failure('UPSTREAM_TIMEOUT', `${where}: no complete answer within ${opts.timeoutMs} ms`, { upstreamStatus });
  }
  if (opts.signal.aborted) return abortFailure(where, opts, upstreamStatus);
  const code = (e as { code?: string }).code;
  if (status) {
    // The headers came, then the connection broke: the body we hold is truncated.
    return failure('UPSTREAM_INVALID_RESPONSE', `${where}: connection closed before the body was complete`, { upstreamStatus });
  }
  const reason = code === 'ECONNREFUSED' ? 'connection refused' : code === 'UND_ERR_SOCKET' ? 'connection closed before an answer' : (e as Error).message;
  return failure('UPSTREAM_UNAVAILABLE', `${where}: ${reason}`, { upstreamStatus });
}

/**
 * GET /conversations/{id} as one function: the unified id names the vendor; a mirrored vendor answers from
 * its copy, one whose config declares a detail request is asked, and one that can do neither says so. Every
 * refusal is a GatewayError of the one catalogue.
 */
import type { ApiClient } from '../app-env.js';
import type { CompiledVendor } from '../dialect/vendor.js';
import { GatewayError, invalidRequest, type VendorFailure } from '../errors/gateway-error.js';
import { forbiddenVendors, vendorRefusal } from '../inbound/vendors.js';
import { MirrorItem } from '../mirror/rows.js';
import type { ConversationView } from '../model/conversation.js';
import type { Include } from '../model/query.js';
import { toFailure } from '../sources/index.js';
import { failure } from '../dialect/errors.js';
import type { ListDeps, RequestContext } from './list.js';

/** Where the conversation came from, said beside it as `sources[]` says it for a page. */
export interface DetailSource {
  vendor: string;
  mode: 'live' | 'mirror';
  /** Mirror: the instant as of which the copy is complete, and how long ago that was. */
  syncedAt?: string | null;
  lagMs?: number | null;
  /** Vendor calls made (0 from a mirror). */
  calls: number;
  latencyMs: number;
}

export interface DetailResult {
  object: 'conversation';
  data: ConversationView;
  source: DetailSource;
}

/** `<vendor>:<the vendor's id>`: split at the first colon (a vendor's own id may hold more). */
export function parseConversationId(id: string): { vendor: string; externalId: string } {
  const at = id.indexOf(':');
  if (at <= 0 || at === id.length - 1) {
    throw invalidRequest([{ name: 'id', reason: 'must be <vendor>:<the vendor\'s id>, as the id of a listed conversation (e.g. acme:c-1001)' }]);
  }
  return { vendor: id.slice(0, at), externalId: id.slice(at + 1) };
}

const notFound = (id: string, why: string) => new GatewayError('NOT_FOUND', `no conversation ${id}: ${why}`);

export async function getConversation(id: string, include: readonly Include[], client: ApiClient | undefined, deps: ListDeps, ctx: RequestContext): Promise<DetailResult> {
  const { vendor: name, externalId } = parseConversationId(id);
  const v = deps.vendors.find((x) => x.name === name);
  if (!v) {
    const known = deps.vendors.filter((x) => x.enabled).map((x) => x.name);
    throw notFound(id, `no vendor is named ${name} (known: ${known.join(', ') || 'none'})`);
  }
  if (!v.enabled) throw notFound(id, `vendor ${name} is disabled by the operator; its conversations are not served`);
  if (client && forbiddenVendors(client, [name]).length > 0) throw vendorRefusal(client, [name]);
  const opts = { messages: include.includes('messages'), raw: include.includes('raw') };

  // The mirror first: no vendor call, and the only way to reach a vendor without a detail request.
  let mirrorWhy: string | undefined;
  const m = deps.mirrors ? (await deps.mirrors.open([name])).get(name) : undefined;
  if (m) {
    const a = m.availability;
    if (!m.view) mirrorWhy = a.notReady ?? 'its mirror is not ready';
    else if (opts.messages && !a.messages) mirrorWhy = 'its mirror holds no messages (include=messages)';
    else if (opts.raw && !a.raw) mirrorWhy = "its mirror keeps no vendor item (include=raw; the vendor's mirror.keepRaw)";
    else {
      const started = performance.now();
      const view = m.view;
      const row = await view.store.row(view.mirrorId, view.rev, id, { extra: opts.messages, raw: opts.raw });
      if (row) {
        const item = new MirrorItem(row, opts);
        item.fill(row);
        const lagMs = view.syncedAt === null ? null : Math.max(0, deps.clock.now() - view.syncedAt);
        return {
          object: 'conversation',
          data: item.conversation,
          source: { vendor: name, mode: 'mirror', syncedAt: view.syncedAt === null ? null : new Date(view.syncedAt).toISOString(), lagMs, calls: 0, latencyMs: Math.round(performance.now() - started) },
        };
      }
      // Newer than the copy, perhaps: the vendor itself is asked where it can be.
      mirrorWhy = `its mirror (complete as of ${view.syncedAt === null ? 'an unknown instant' : new Date(view.syncedAt).toISOString()}) holds no such conversation`;
      if (!v.detail) throw notFound(id, `vendor ${name}: ${mirrorWhy}`);
    }
  }
  if (!v.detail) {
    if (mirrorWhy && m?.view === undefined) {
      // A mirror still warming will answer soon: a retry, not a missing conversation.
      throw new GatewayError('UPSTREAM_UNAVAILABLE', `vendor ${name} can be read by id only from its mirror, and ${mirrorWhy}; retry later`, { retryAfter: 30 });
    }
    if (mirrorWhy) throw invalidRequest([{ name: 'include', reason: `vendor ${name} can't give it by id: ${mirrorWhy}, and its config declares no detail request` }]);
    throw notFound(id, `vendor ${name} can't be read by id: its config declares no detail request and it is not mirrored`);
  }
  return readLive(v, id, externalId, opts, deps, ctx);
}

async function readLive(v: CompiledVendor, id: string, externalId: string, opts: { messages: boolean; raw: boolean }, deps: ListDeps, ctx: RequestContext): Promise<DetailResult> {
  const detail = v.detail!;
  const deadline = AbortSignal.timeout(v.timeoutMs);
  const started = performance.now();
  let res;
  try {
    res = await deps.upstream.get(v, detail.buildRequest(externalId), {
      signal: AbortSignal.any([ctx.signal, deadline]),
      deadline: deps.clock.now() + v.timeoutMs,
      timedOut: () => deadline.aborted,
      timeoutMs: v.timeoutMs,
      requestId: ctx.requestId,
    });
  } catch (e) {
    throw vendorFailed(v, toFailure(e, v, 'live-lazy'));
  }
  const got = detail.readItem(res);
  if (got === 'notFound') throw notFound(id, `vendor ${v.name} answered ${res.status}: it holds no such conversation`);
  if (!('item' in got)) throw vendorFailed(v, v.scrub(got));
  const mapped = detail.mapItem(got.item, opts);
  if ('drop' in mapped) throw vendorFailed(v, v.scrub(invalid(`its conversation can't be served (${mapped.drop})`, res.status)));
  if (mapped.id !== id) throw vendorFailed(v, v.scrub(invalid('it answered with another conversation than the one asked for', res.status)));
  return { object: 'conversation', data: mapped.conversation, source: { vendor: v.name, mode: 'live', calls: 1, latencyMs: Math.round(performance.now() - started) } };
}

const invalid = (message: string, status: number): VendorFailure => failure('UPSTREAM_INVALID_RESPONSE', message, { upstreamStatus: status });

/** One vendor's failure as the answer, in the shape of the list's all-vendors-failed error. */
function vendorFailed(v: CompiledVendor, f: VendorFailure): GatewayError {
  return new GatewayError(f.code, `vendor ${v.name} failed: ${f.code} (${f.message})`, {
    vendorErrors: [{ vendor: v.name, ...f }],
    ...(f.code === 'RATE_LIMITED' && f.retryAfter !== null ? { retryAfter: f.retryAfter } : {}),
  });
}

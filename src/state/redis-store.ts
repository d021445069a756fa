/**
 * The StateStore in Redis, shared by every replica: outbound budgets, per-client limits, 429 memory and
 * breaker records are one state however many processes serve, and `blobs` holds the vendor cache's second
 * level and its leases. Redis is never allowed to take the gateway
 * down: every operation has a tight timeout, and when Redis is unreachable or slow this replica falls back
 * to its own in-memory store (logged once per episode, reported by `mode()`), probes Redis in the
 * background and goes back to it when it answers again.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../app.js';
import { CLOSED, memoryStore, type BreakerOutcome, type BreakerRecord, type MemoryStore, type SharedBlobs, type StateStore, type StoreMode, type Take } from './store.js';

export interface RedisStoreOptions {
  /** `redis://[user:pass@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** Prepended to every key, so several gateways (or test runs) can share one Redis. */
  prefix: string;
  /** Longest wait for one Redis operation before this replica falls back to memory (ms). */
  timeoutMs: number;
  logger: Logger;
  /** How often to try Redis again while in fallback (ms). */
  probeMs?: number;
}

export interface RedisStateStore extends StateStore {
  readonly blobs: SharedBlobs;
  mode(): StoreMode;
  /** Waits (at most `ms`) for the first connection; starts in fallback when there is none. */
  connect(ms?: number): Promise<void>;
  close(): Promise<void>;
}

/*
 * Why a script and not rate-limiter-flexible: our bucket grants bounded *reservations* (a caller may take a
 * token that frees up within maxWaitMs and sleep until then, tokens going negative down to that floor) and
 * reports the wait, the whole tokens left and the time to the next token. rate-limiter-flexible's Redis
 * limiters count points in fixed windows and queue waiters only in-process (RateLimiterQueue), so they
 * can't share one reservation queue across replicas. This is `takeFromBucket` (store.ts), step for step,
 * run atomically in Redis. Fractions travel as strings: Lua numbers returned to Redis are truncated.
 */
const TAKE_LUA = `
local perMs = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local reserve = tonumber(ARGV[5]) or 0
local h = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(h[1]) or burst
local at = tonumber(h[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
local floor = -maxWait * perMs
local granted = 0
if reserve > 0 then
  if tokens - 1 >= reserve - 1e-9 then
    tokens = tokens - 1
    granted = 1
  end
elseif tokens - 1 >= floor - 1e-9 then
  tokens = tokens - 1
  granted = 1
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'a', string.format('%d', now))
-- Gone once it would be full again anyway: idle clients don't accumulate keys.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - floor) / perMs) + 1000)
return {granted, string.format('%.17g', tokens)}
`;

/** Keeps the later of two "don't call before" times; the key expires with it. */
const BLOCK_LUA = `
local cur = tonumber(redis.call('GET', KEYS[1]))
local untilMs = tonumber(ARGV[1])
if untilMs == nil or untilMs ~= untilMs or untilMs == math.huge then return 0 end
if cur == nil or cur < untilMs then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, tonumber(ARGV[2])))
end
return 1
`;

/**
 * Settles like `p`, or rejects when `ms` pass first. Not ioredis's commandTimeout: when this process's own
 * event loop stalls (a long GC, a burst of work), the timer fires in the same turn that would have read
 * Redis's answer, already waiting in the socket, and a healthy Redis would be called slow. So when the timer
 * fires we let one I/O phase run (setImmediate comes after it) and only then decide.
 */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new Error(`no answer from Redis within ${ms} ms`));
        }),
      ms,
    );
    p.then(
      (v) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Releases a lease only while the token still holds it: an expired lease may belong to someone else now. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/*
 * The breaker's transitions (store.ts: breakerAfter, probeClaim), step for step, each one atomic: replicas
 * reporting at once count every failure, and exactly one of them gets the half-open probe. Records are JSON
 * (what \`breaker()\` reads); ARGV[#] is the TTL.
 */
const BREAKER_READ_LUA = `
local v = redis.call('GET', KEYS[1])
if v then return cjson.decode(v) end
return {state = 'closed', failures = 0, openedAt = 0, probing = false}
`;
const RECORD_LUA = `
local function read()${BREAKER_READ_LUA}end
local r = read()
local outcome = ARGV[1]
if outcome == 'success' then
  if r.state == 'closed' and r.failures == 0 then return cjson.encode(r) end
  r = {state = 'closed', failures = 0, openedAt = 0, probing = false}
elseif outcome == 'neutral' then
  if not r.probing then return cjson.encode(r) end
  r.probing = false
else
  local failures = r.failures + 1
  if r.state ~= 'closed' or failures >= tonumber(ARGV[2]) then
    r = {state = 'open', failures = failures, openedAt = tonumber(ARGV[3]), probing = false}
  else
    r.failures = failures
  end
end
local out = cjson.encode(r)
redis.call('SET', KEYS[1], out, 'PX', ARGV[4])
return out
`;
const CLAIM_LUA = `
local function read()${BREAKER_READ_LUA}end
local r = read()
if r.state == 'closed' then return {'pass', cjson.encode(r)} end
if r.probing or r.openedAt + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {'wait', cjson.encode(r)} end
r.state = 'half-open'
r.probing = true
local out = cjson.encode(r)
redis.call('SET', KEYS[1], out, 'PX', ARGV[3])
return {'probe', out}
`;

/** Breaker records outlive any cool-down by far; the TTL only sweeps vendors that are gone. */
const BREAKER_TTL_MS = 24 * 3600 * 1000;

type Client = Redis & {
  sbTake(key: string, perMs: number, burst: number, maxWaitMs: number, now: number, reserve: number): Promise<[number, string]>;
  sbBlock(key: string, until: number, ttlMs: number): Promise<number>;
  sbRelease(key: string, token: string): Promise<number>;
  sbRecordBreaker(key: string, outcome: BreakerOutcome, threshold: number, now: number, ttlMs: number): Promise<string>;
  sbClaimProbe(key: string, cooldownMs: number, now: number, ttlMs: number): Promise<['pass' | 'probe' | 'wait', string]>;
};

export function redisStore(opts: RedisStoreOptions): RedisStateStore {
  // One fallback memory per partition (see `separate()`): what inbound traffic learns alone can't evict
  // what outbound calls learnt alone.
  const locals: MemoryStore[] = [];
  const localMemory = (): MemoryStore => {
    const m = memoryStore();
    locals.push(m);
    return m;
  };
  const probeMs = opts.probeMs ?? 500;
  const client = new Redis(opts.url, {
    keyPrefix: opts.prefix,
    // Fail fast instead of queueing while disconnected: the fallback answers meanwhile.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(200, opts.timeoutMs * 5),
    lazyConnect: true,
    // Keep trying in the background, at most once a second.
    retryStrategy: (times) => Math.min(times * 100, 1000),
  }) as Client;
  client.defineCommand('sbTake', { numberOfKeys: 1, lua: TAKE_LUA });
  client.defineCommand('sbBlock', { numberOfKeys: 1, lua: BLOCK_LUA });
  client.defineCommand('sbRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  client.defineCommand('sbRecordBreaker', { numberOfKeys: 1, lua: RECORD_LUA });
  client.defineCommand('sbClaimProbe', { numberOfKeys: 1, lua: CLAIM_LUA });

  let fallback = false;
  let episodes = 0;
  // Set by the first connection that is ready (ioredis's 'ready', after its own handshake).
  let reached = false;
  let closed = false;
  let probe: NodeJS.Timeout | undefined;

  const enterFallback = (err: unknown) => {
    if (fallback || closed) return;
    fallback = true;
    episodes++;
    opts.logger.error(
      { stateStore: 'fallback:memory', err: { message: err instanceof Error ? err.message : String(err) } },
      'state store (Redis) unreachable or slow: using in-memory state for this replica until it is back',
    );
    probe = setInterval(() => {
      within(client.ping(), opts.timeoutMs).then(recover, () => undefined);
    }, probeMs);
    probe.unref();
  };
  const recover = () => {
    if (!fallback || closed) return;
    fallback = false;
    clearInterval(probe);
    // What this replica learnt alone is dropped: the shared state is the one that counts again.
    for (const l of locals) l.clear();
    opts.logger.info({ stateStore: 'redis' }, 'state store (Redis) is back: state is shared again');
  };
  // ioredis reports connection trouble as 'error' events; unhandled, they would crash the process.
  client.on('error', (err) => enterFallback(err));
  client.on('ready', () => {
    reached = true;
  });
  client.on('close', () => enterFallback(new Error('connection to Redis closed')));

  /** Redis when it answers in time, else (and for the rest of the episode) the local store. */
  async function use<T>(remote: () => Promise<T>, fallbackTo: () => Promise<T>): Promise<T> {
    if (fallback) return fallbackTo();
    try {
      return await within(remote(), opts.timeoutMs);
    } catch (err) {
      enterFallback(err);
      return fallbackTo();
    }
  }

  /** Every key under `prefix`, as the commands name them (without our key prefix), one SCAN step at a time. */
  async function* scanKeys(prefix: string): AsyncGenerator<string[]> {
    const pattern = `${globEscape(opts.prefix + prefix)}*`;
    let cursor = '0';
    do {
      // ioredis prefixes the keys of commands but not SCAN's pattern, and SCAN answers with whole keys.
      const [next, keys] = await within(client.scan(cursor, 'MATCH', pattern, 'COUNT', 500), opts.timeoutMs);
      cursor = next;
      if (keys.length > 0) yield keys.map((k) => k.slice(opts.prefix.length));
    } while (cursor !== '0');
  }

  // While Redis is away there is no second level and nobody to wait for: every lease is granted, so each
  // replica calls for itself (its own in-process single-flight still applies).
  const blobs: SharedBlobs = {
    get: (key) => use(() => client.get(key), async () => null),
    set: (key, value, ttlMs) => use(async () => void (await client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)))), async () => undefined),
    lease(key, ttlMs) {
      const token = randomUUID();
      return use(
        async () => ((await client.set(key, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK' ? token : null),
        async () => token,
      );
    },
    release: (key, token) => use(async () => void (await client.sbRelease(key, token)), async () => undefined),
  };

  /** The records over Redis, falling back to `local`. */
  function partition(local: MemoryStore): StateStore & { mode(): StoreMode; fallbacks(): number; reachedOnce(): boolean } {
    return {
      mode: () => (fallback ? 'fallback:memory' : 'redis'),
      fallbacks: () => episodes,
      reachedOnce: () => reached,
      separate: () => partition(localMemory()),
      take(key, spec, now) {
        return use(
          async (): Promise<Take> => {
            const perMs = spec.ratePerSec / 1000;
            const reserve = spec.reserve ?? 0;
            const [granted, t] = await client.sbTake(key, perMs, spec.burst, spec.maxWaitMs, Math.round(now), reserve);
            const tokens = Number(t);
            if (granted === 1) {
              const waitMs = tokens >= 0 ? 0 : Math.ceil(-tokens / perMs);
              return { granted: true, waitMs, remaining: Math.max(0, Math.floor(tokens)) };
            }
            if (reserve > 0) return { granted: false, retryAfterMs: Math.ceil((reserve + 1 - tokens) / perMs) };
            const floor = -spec.maxWaitMs * perMs;
            return { granted: false, retryAfterMs: Math.ceil((1 - tokens + floor) / perMs) };
          },
          () => local.take(key, spec, now),
        );
      },
      blockedUntil(key) {
        return use(
          async () => {
            const v = await client.get(key);
            // Whatever an older version or a hand left there, only a finite instant is a time.
            const until = v === null ? Number.NaN : Number(v);
            return Number.isFinite(until) ? until : null;
          },
          () => local.blockedUntil(key),
        );
      },
      async blockUntil(key, until) {
        if (!Number.isFinite(until)) return;
        // Also kept locally: a fallback episode starts from what this replica knew.
        await local.blockUntil(key, until);
        await use(
          async () => void (await client.sbBlock(key, Math.round(until), Math.max(1, Math.round(until - Date.now())))),
          async () => undefined,
        );
      },
      async unblock(key) {
        await local.unblock(key);
        await use(async () => void (await client.del(key)), async () => undefined);
      },
      async forget(prefix) {
        await local.forget(prefix);
        if (fallback) throw new Error(`Redis is unreachable: only this replica's own state under ${prefix} was forgotten`);
        let n = 0;
        try {
          for await (const keys of scanKeys(prefix)) n += await within(client.del(...keys), opts.timeoutMs);
        } catch (err) {
          enterFallback(err);
          throw new Error(`Redis failed while forgetting ${prefix}: ${err instanceof Error ? err.message : String(err)}`);
        }
        return n;
      },
      breaker(key) {
        return use(
          async () => {
            const v = await client.get(key);
            const rec = v === null ? CLOSED : (JSON.parse(v) as BreakerRecord);
            local.putBreaker(key, rec); // a fallback episode starts from the last shared state
            return rec;
          },
          () => local.breaker(key),
        );
      },
      recordBreaker(key, outcome, threshold, now) {
        return use(
          async () => {
            const rec = JSON.parse(await client.sbRecordBreaker(key, outcome, threshold, Math.round(now), BREAKER_TTL_MS)) as BreakerRecord;
            local.putBreaker(key, rec);
            return rec;
          },
          () => local.recordBreaker(key, outcome, threshold, now),
        );
      },
      claimProbe(key, cooldownMs, now) {
        return use(
          async () => {
            const [verdict, json] = await client.sbClaimProbe(key, cooldownMs, Math.round(now), BREAKER_TTL_MS);
            const rec = JSON.parse(json) as BreakerRecord;
            local.putBreaker(key, rec);
            return { verdict, rec };
          },
          () => local.claimProbe(key, cooldownMs, now),
        );
      },
    };
  }

  return {
    ...partition(localMemory()),
    blobs,
    async connect(ms = 1000) {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no connection to Redis within ${ms} ms`)), ms).unref());
      try {
        await Promise.race([client.connect(), timeout]);
      } catch (err) {
        enterFallback(err);
      }
    },
    async close() {
      closed = true;
      clearInterval(probe);
      client.disconnect();
    },
  };
}

/** A Redis glob matching `s` literally. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

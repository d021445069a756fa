/**
 * Failed authentication, limited per remote address: a token bucket per address of `burst` failures that
 * refills at `perMinute`, held in a bounded LRU (an address not seen for a while is forgotten first). Over
 * it, the address is refused (429) before any key it sends is checked, until a failure's worth has
 * refilled: answering a right key while refusing wrong ones would tell the two apart, so guessing would go
 * on at full speed. Successes never take from the budget, so a working client is only throttled when its
 * address also sends wrong keys.
 *
 * In this process's memory, not the shared state store: failures are cheap to refuse locally, and an
 * attacker's addresses must never evict what the store holds for vendors. With N replicas an address gets
 * N budgets.
 */
import { isIPv6 } from 'node:net';
import { LRUCache } from 'lru-cache';
import type { AuthFailureConfig } from '../config/gateway-schema.js';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The key an address is throttled under. IPv6 by its /64 (one subscriber's prefix: a host can pick any
 * address in it); an IPv4-mapped IPv6 address as the IPv4 address it is.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export class AuthFailureThrottle {
  private config: AuthFailureConfig;
  private buckets: LRUCache<string, Bucket>;

  constructor(config: AuthFailureConfig) {
    this.config = { ...config };
    this.buckets = new LRUCache({ max: config.maxAddresses });
  }

  /** New limits; the addresses remembered are kept unless their number bound changes. */
  configure(config: AuthFailureConfig): void {
    if (config.maxAddresses !== this.config.maxAddresses) this.buckets = new LRUCache({ max: config.maxAddresses });
    this.config = { ...config };
  }

  /** Milliseconds until this address may try again, or 0 when it may now. */
  blockedFor(address: string, now: number): number {
    if (!this.config.enabled) return 0;
    const b = this.buckets.get(addressKey(address));
    if (!b) return 0;
    const tokens = this.refilled(b, now);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 60_000) / this.config.perMinute);
  }

  /** Counts one failure; true when it used the address's last one (it is blocked from now on). */
  failed(address: string, now: number): boolean {
    if (!this.config.enabled) return false;
    const key = addressKey(address);
    const b = this.buckets.get(key);
    const tokens = (b ? this.refilled(b, now) : this.config.burst) - 1;
    this.buckets.set(key, { tokens, at: now });
    return tokens < 1;
  }

  private refilled(b: Bucket, now: number): number {
    return Math.min(this.config.burst, b.tokens + (Math.max(0, now - b.at) * this.config.perMinute) / 60_000);
  }
}

/**
 * The simulators' source of truth. Each simulator renders these canonical conversations in its vendor's
 * own dialect; tests compute expected gateway output from the same records, so the gateway is checked
 * against data it never saw in unified form.
 */
export interface CanonicalMessage {
  id: string;
  text: string;
  author: 'customer' | 'agent' | 'human_agent' | 'system';
  createdAt: number;
}

export interface CanonicalConversation {
  id: string;
  title: string | null;
  status: 'open' | 'closed';
  channel: string;
  /** Epoch milliseconds (whole seconds, so every vendor's timestamp format can carry them exactly). */
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  closedAt: number | null;
  handledBy: 'ai' | 'human';
  agent: { id: string; name: string };
  contact: { name: string; email: string; phone: string };
  leadId: string;
  visitorId: string;
  userId: string;
  /** Oldest first; the last one is the conversation's last message. */
  messages: CanonicalMessage[];
}

/** mulberry32: a tiny deterministic PRNG, so demo data and test data are reproducible from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random RFC 4122 version-4 UUID drawn from `rand` (valid for vendors that check version and variant). */
export function uuidFrom(rand: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const variant = '89ab'[Math.floor(rand() * 4)];
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}

export interface GenerateOptions {
  seed: number;
  count: number;
  /** Channels to draw from. */
  channels?: readonly string[];
  /** Start of the time window (epoch ms). */
  from?: number;
  /** Width of the time window in seconds; a small window forces many equal timestamps (ties). */
  spanSeconds?: number;
  /** Prefix for ids, so two simulators never share an id by accident. */
  idPrefix?: string;
  /** Build ids as UUIDs instead of `prefix-n`. */
  uuidIds?: boolean;
  /** Pools to draw scope keys from, so filters on them match several conversations. */
  leads?: readonly string[];
  agents?: readonly { id: string; name: string }[];
}

const TOPICS = ['Order status', 'Refund request', 'Login problem', 'Shipping delay', 'Billing question',
  'Product info', 'Cancel subscription', 'Password reset', 'Delivery address', 'Warranty claim'];
const NAMES = ['Ana Souza', 'Bruno Lima', 'Carla Dias', 'Diego Alves', 'Eva Costa', 'Felipe Rocha',
  'Gabi Nunes', 'Hugo Pires', 'Iris Melo', 'João Reis'];
const LINES = ['Where is my order?', 'I need a refund', 'Thanks, that solved it', 'Can I talk to a person?',
  'Your package ships tomorrow', 'Let me check that for you', 'The link does not work', 'Hello!'];
export const DEFAULT_CHANNELS = ['whatsapp', 'website', 'mail', 'telegram'] as const;
export const DEMO_START = Date.UTC(2024, 0, 1);

export function generateConversations(opts: GenerateOptions): CanonicalConversation[] {
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const from = opts.from ?? DEMO_START;
  const span = opts.spanSeconds ?? 90 * 24 * 3600;
  const channels = opts.channels ?? DEFAULT_CHANNELS;
  const leads = opts.leads ?? Array.from({ length: 8 }, () => uuidFrom(rand));
  const agents = opts.agents ?? Array.from({ length: 4 }, (_, i) => ({ id: uuidFrom(rand), name: `Agent ${i + 1}` }));
  const second = () => from + Math.floor(rand() * span) * 1000;
  const out: CanonicalConversation[] = [];
  for (let i = 0; i < opts.count; i++) {
    const createdAt = second();
    // Activity and updates happen at or after creation, within the same window.
    const lastActivityAt = Math.max(createdAt, second());
    const updatedAt = Math.max(lastActivityAt, rand() < 0.5 ? lastActivityAt : second());
    const status = rand() < 0.6 ? 'open' : 'closed';
    const name = pick(NAMES);
    const nMessages = 1 + Math.floor(rand() * 4);
    const messages: CanonicalMessage[] = [];
    for (let m = 0; m < nMessages; m++) {
      const last = m === nMessages - 1;
      messages.push({
        id: `${opts.idPrefix ?? 'c'}-${i}-m${m}`,
        text: pick(LINES),
        author: m % 2 === 0 ? 'customer' : pick(['agent', 'human_agent'] as const),
        createdAt: last ? lastActivityAt : createdAt,
      });
    }
    out.push({
      id: opts.uuidIds ? uuidFrom(rand) : `${opts.idPrefix ?? 'c'}-${String(i).padStart(4, '0')}`,
      title: rand() < 0.9 ? `${pick(TOPICS)} #${1000 + i}` : null,
      status,
      channel: pick(channels),
      createdAt,
      updatedAt,
      lastActivityAt,
      closedAt: status === 'closed' ? updatedAt : null,
      handledBy: rand() < 0.3 ? 'human' : 'ai',
      agent: pick(agents),
      contact: {
        name,
        email: `${name.split(' ')[0]!.toLowerCase()}${i}@example.com`,
        phone: `+55119${String(10000000 + Math.floor(rand() * 89999999))}`,
      },
      leadId: pick(leads),
      visitorId: uuidFrom(rand),
      userId: uuidFrom(rand),
      messages,
    });
  }
  return out;
}

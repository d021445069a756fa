/** The process environment, parsed once. The only module that reads process.env. */
import { z } from 'zod';

/**
 * Values people paste from examples instead of a secret: refused, so an example applied as is fails at
 * start instead of signing every cursor with a key anyone can read.
 */
const PLACEHOLDER = /replace[-_ ]?(with|me)|change[-_ ]?(me|this|it)|placeholder|your[-_ ]?(own[-_ ]?)?(secret|key)|example|dummy|not[-_ ]?a[-_ ]?secret|^<.*>$|\$\{|^(?<same>.)\k<same>*$/i;

const envSchema = z.object({
  /** Loopback unless told: the demo runs with auth off. The container images set 0.0.0.0 themselves. */
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** When set, /metrics is served on this port (its own listener) and not on PORT. Empty: unset. */
  METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  /** Where the metrics listener binds (default: HOST). */
  METRICS_HOST: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  CONFIG_DIR: z.string().default('./config'),
  /** Reload the config when a file in CONFIG_DIR changes (SIGHUP always reloads). */
  CONFIG_WATCH: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** HMAC key for cursors; random per process when unset (cursors then die with the process). Required with Redis. */
  CURSOR_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters')
    .refine((v) => !PLACEHOLDER.test(v), 'is a placeholder from an example: use a random one, e.g. `openssl rand -base64 32`')
    .optional(),
  /** Where limits, 429 memory and breakers live: `memory` (this process) or a `redis://` URL shared by replicas. */
  STATE_STORE: z
    .string()
    .default('memory')
    .refine((v) => v === 'memory' || /^rediss?:\/\//.test(v), 'must be memory or a redis:// (rediss://) URL'),
  /** Prefix of every Redis key (several gateways, or test runs, can share one Redis). */
  STATE_STORE_PREFIX: z.string().default('switchboard:'),
  /** Longest wait for one Redis operation before falling back to in-memory state (ms). */
  STATE_STORE_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** on: vendors whose YAML says `mirror:` are served from an incremental local copy where they can't order or filter for us. */
  MIRRORS: z.enum(['on', 'off']).default('on'),
  /** Where mirrors live: `sqlite` (a file in DATA_DIR), `sqlite::memory:`, `sqlite:/path/file.db`, or `postgres://…` (shared by replicas). */
  MIRROR_STORE: z
    .string()
    .default('sqlite')
    .refine((v) => /^sqlite(:.+)?$/.test(v) || /^postgres(ql)?:\/\//.test(v), 'must be sqlite, sqlite::memory:, sqlite:<file> or a postgres:// URL'),
  /** The folder for the SQLite mirror (created with mode 0700; the file is 0600). */
  DATA_DIR: z.string().default('./data'),
  /** How long a replica's hold on a vendor's sync lasts unrenewed: the longest a dead replica's vendors go unsynced (ms). */
  MIRROR_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(15_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json (one line per event, for machines) or pretty (for a person at a terminal). */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /**
   * auto: embedded simulators for the vendors without a base URL, only while no vendor has one (the demo);
   * on: also beside real vendors; off: never (nor with NODE_ENV=production). See src/config/simulators.ts.
   */
  SIMULATORS: z.enum(['auto', 'on', 'off']).default('auto'),
  /** production never starts an embedded simulator. */
  NODE_ENV: z.string().optional(),
  /** Seed and size of the simulators' demo data. */
  SIM_SEED: z.coerce.number().int().default(42),
  SIM_COUNT: z.coerce.number().int().min(0).max(100_000).default(300),
  /** Faults for embedded simulators, e.g. `globex=rateLimit:30,initech=slow:800` (see sim/kit.ts). */
  SIM_FAULTS: z.string().default(''),
  /**
   * Tracing is on when either OTLP endpoint is set (the standard variables; the SDK reads them and the other
   * OTEL_* itself: protocol, headers, service name, sampler), and OTEL_SDK_DISABLED isn't true.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  // A boolean the OpenTelemetry way: `true` in any case disables; anything else doesn't.
  OTEL_SDK_DISABLED: z.string().default('false').transform((v) => v.trim().toLowerCase() === 'true'),
  /** The commit this build is of, for switchboard_build_info and traces (the image build sets it; unset: unknown). */
  BUILD_COMMIT: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(64).optional()),
}).superRefine((env, ctx) => {
  if (env.SIMULATORS === 'on' && env.NODE_ENV === 'production') {
    ctx.addIssue({ code: 'custom', path: ['SIMULATORS'], message: 'is on, but NODE_ENV is production, which never serves demo data: unset one of them' });
  }
  // A shared store means replicas: a random key per replica would make every cursor fail on the others.
  if (env.STATE_STORE !== 'memory' && env.CURSOR_SECRET === undefined) {
    ctx.addIssue({ code: 'custom', path: ['CURSOR_SECRET'], message: 'required when STATE_STORE is Redis: every replica must sign cursors with the same key' });
  }
});

export type AppEnvVars = z.infer<typeof envSchema>;

/** Whether traces are exported: an OTLP endpoint is configured and the SDK isn't disabled. */
export const tracingWanted = (vars: AppEnvVars): boolean =>
  !vars.OTEL_SDK_DISABLED && (vars.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined);

export function readEnv(source: NodeJS.ProcessEnv = process.env): { vars: AppEnvVars; all: Readonly<Record<string, string | undefined>> } {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid environment:\n${lines}`);
  }
  return { vars: parsed.data, all: { ...source } };
}

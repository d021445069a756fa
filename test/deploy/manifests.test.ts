/**
 * The deployment examples in deploy/ can't run here (no Docker engine, no Kubernetes cluster), so nothing
 * would notice them rot. This checks they agree with config/, the Dockerfile and the code instead: the
 * ConfigMaps are exact copies of config/, the volume the Deployment builds from them loads (as
 * `switchboard check` would) with the environment the pod gets, that environment passes src/env.ts, and
 * every name, port, path and credential that joins one manifest to another matches (the gateway's
 * MIRROR_STORE and the PostgreSQL it names, among them). No manifest holds a secret value: the Secrets are
 * what deploy/k8s/create-secrets.sh makes, run here with a kubectl that records what it is asked to create.
 * And what a cluster would check: each manifest against its kind's Kubernetes schema (kubernetes-models), and
 * each pod against the Pod Security `restricted` profile (./pod-security.ts).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadToolingConfig } from '../../src/cli/tooling-config.js';
import { ENV_REFERENCE_SOURCE, interpolateString } from '../../src/config/interpolate.js';
import { loadConfig } from '../../src/config/load.js';
import { simulatorMode } from '../../src/config/simulators.js';
import { readEnv } from '../../src/env.js';
import { simulators } from '../../sim/index.js';
import { startSimulator, type Simulator } from '../../sim/kit.js';
import { buildGateway } from '../../src/gateway.js';
import { memoryLogger, ROOT } from '../helpers/harness.js';
import { Deployment as DeploymentModel, StatefulSet as StatefulSetModel } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler as HpaModel } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget as PdbModel } from 'kubernetes-models/policy/v1';
import { ConfigMap as ConfigMapModel, Service as ServiceModel } from 'kubernetes-models/v1';
import { restrictedViolations, type PodContainer, type PodSpec, type SecurityContext } from './pod-security.js';

type Labels = Record<string, string>;
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
}
interface ConfigMap extends Manifest {
  data: Record<string, unknown>;
}
interface Secret extends Manifest {
  stringData?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface HttpProbe {
  httpGet?: { path: string; port: number | string };
}
interface ExecProbe {
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: unknown; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: HttpProbe & ExecProbe;
  livenessProbe?: HttpProbe & ExecProbe;
}
interface ProjectedSource {
  configMap?: { name: string; items?: { key: string; path: string }[] };
}
interface Deployment extends Manifest {
  spec: {
    replicas?: number;
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels; annotations?: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        containers: Container[];
        volumes?: { name: string; projected?: { sources: ProjectedSource[] } }[];
      };
    };
  };
}
interface StatefulSet extends Omit<Deployment, 'spec'> {
  spec: Deployment['spec'] & {
    serviceName: string;
    replicas?: number;
    volumeClaimTemplates?: { metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } } } }[];
  };
}
/** What runs pods: their templates are what Services select. */
type Workload = Deployment | StatefulSet;
interface Service extends Manifest {
  spec: { selector: Labels; clusterIP?: string; ports: { name?: string; port: number; targetPort?: number | string }[] };
}
interface Hpa extends Manifest {
  spec: { scaleTargetRef: { apiVersion: string; kind: string; name: string }; minReplicas?: number; maxReplicas: number };
}
interface ComposeService {
  image?: string;
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  environment?: Record<string, unknown>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: string[] | Record<string, { condition?: string }>;
}

const isYaml = (f: string) => f.endsWith('.yaml') || f.endsWith('.yml');
const text = (path: string) => readFile(join(ROOT, path), 'utf8');

// What the gateway reads from its config folder, as src/config/load.ts lists it.
const vendorFiles = (await readdir(join(ROOT, 'config/vendors'))).filter(isYaml).sort();
const configFiles = ['gateway.yaml', ...vendorFiles.map((f) => `vendors/${f}`)];
const configText = new Map(await Promise.all(configFiles.map(async (f) => [f, await text(`config/${f}`)] as const)));
/** Every variable a config file reads through `${VAR}`: the env keys the gateway consumes besides src/env.ts's. */
const referenced = new Set([...configText.values()].flatMap((t) => [...t.matchAll(new RegExp(ENV_REFERENCE_SOURCE, 'g'))].map((m) => m[1])));

/** The runtime stage's ENV, the base of every container's environment. */
function imageEnv(dockerfile: string): Record<string, string> {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const runtime = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  const env: Record<string, string> = {};
  for (const l of runtime.filter((l) => /^ENV\s/i.test(l))) {
    for (const [, k = '', v = ''] of l.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[k] = v.replace(/^"|"$/g, '');
  }
  return env;
}
const dockerfileText = await text('Dockerfile');
const IMAGE_ENV = imageEnv(dockerfileText);

/**
 * Where the official postgres image keeps its data (PGDATA, and the image's VOLUME): up to 17 it is
 * /var/lib/postgresql/data; from 18 the volume is /var/lib/postgresql (PGDATA a versioned folder in it).
 */
function postgresDataPath(image: string | undefined): string {
  const major = Number(/^postgres:(\d+)/.exec(image ?? '')?.[1]);
  if (!Number.isInteger(major)) throw new Error(`${image}: use the postgres image with a major version tag (postgres:16)`);
  return major >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}
/** The variables the postgres image's entrypoint reads (anything else set on it is a typo). */
const POSTGRES_IMAGE_ENV = ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD_FILE', 'POSTGRES_DB', 'POSTGRES_INITDB_ARGS', 'POSTGRES_INITDB_WALDIR', 'POSTGRES_HOST_AUTH_METHOD', 'PGDATA'];
/** The user, password, database, host and port of a postgres:// URL (what MIRROR_STORE says). */
function pgUrl(url: string): { user: string; password: string; db: string; host: string; port: number } {
  const u = new URL(url);
  expect(u.protocol, url.replace(/\/\/[^@/]*@/, '//***@')).toMatch(/^postgres(ql)?:$/);
  return { user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), db: u.pathname.slice(1), host: u.hostname, port: Number(u.port || 5432) };
}

/** Keys a manifest sets that neither src/env.ts nor a `${VAR}` in config/ reads (typos, leftovers). */
function unconsumed(set: Record<string, string>, vars: object): string[] {
  return Object.keys(set).filter((k) => !(k in vars) && !referenced.has(k));
}

// kustomization.yaml is Kustomize's list of the manifests, not a manifest (checked on its own below).
const KUSTOMIZATION = 'kustomization.yaml';
const k8sFiles = (await readdir(join(ROOT, 'deploy/k8s'))).filter((f) => isYaml(f) && f !== KUSTOMIZATION).sort();
const k8sDocs = await Promise.all(
  k8sFiles.map(async (file) => ({ file, docs: Array.from(parseAllDocuments(await text(`deploy/k8s/${file}`))) })),
);
const manifests = k8sDocs.flatMap(({ docs }) =>
  docs.filter((d) => d.errors.length === 0 && d.contents !== null).map((d) => d.toJS() as Manifest),
);

function find<T extends Manifest>(kind: string, name: string): T {
  const m = manifests.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!m) throw new Error(`deploy/k8s: no ${kind} named "${name}"`);
  return m as T;
}

const deployment = find<Deployment>('Deployment', 'switchboard');
const workloads = manifests.filter((m): m is Workload => m.kind === 'Deployment' || m.kind === 'StatefulSet');
const pod = deployment.spec.template;
const container = pod.spec.containers.find((c) => c.name === 'switchboard')!;

/** A container port by name or number, as probes and Services refer to it. */
function containerPort(c: Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? c.ports?.find((p) => p.containerPort === port)?.containerPort : c.ports?.find((p) => p.name === port)?.containerPort;
}

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * deploy/k8s/create-secrets.sh, run as the README says with the vendors' credentials in the shell, against a
 * kubectl that records each call: what it would create, and what it printed (the client's API key).
 */
async function createSecrets(shell: Record<string, string>): Promise<{ calls: string[][]; secrets: Map<string, Record<string, string>>; stdout: string }> {
  const bin = await mkdtemp(join(tmpdir(), 'sb-kubectl-'));
  temps.push(bin);
  const log = join(bin, 'calls.jsonl');
  await writeFile(join(bin, 'kubectl'), `#!${process.execPath}\nrequire('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`);
  await chmod(join(bin, 'kubectl'), 0o755);
  const { stdout } = await promisify(execFile)('sh', [join(ROOT, 'deploy/k8s/create-secrets.sh')], { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ...shell } });
  const calls = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);
  const secrets = new Map<string, Record<string, string>>();
  for (const [verb, what, type, name, ...flags] of calls) {
    if (verb !== 'create' || what !== 'secret' || type !== 'generic' || !name) continue;
    const data: Record<string, string> = {};
    for (const f of flags) {
      const m = /^--from-literal=([^=]+)=(.*)$/s.exec(f);
      if (m) data[m[1]!] = m[2]!;
    }
    secrets.set(name, data);
  }
  return { calls, secrets, stdout };
}
const VENDOR_CREDENTIALS = { SITEASSIST_TOKEN: 'k8s-siteassist-token', SUPERAGENTES_TOKEN: 'k8s-superagentes-token', UNCODIE_API_KEY: 'k8s-uncodie-key', UNCODIE_SITE_ID: '0190d3e4-7b2c-4def-8abc-123456789abc' };
const created = await createSecrets(VENDOR_CREDENTIALS);
function secretValues(name: string): Record<string, string> {
  const s = created.secrets.get(name);
  if (!s) throw new Error(`deploy/k8s reads the Secret "${name}", which create-secrets.sh does not create`);
  return s;
}

/** What the manifests set, in Kubernetes' order: envFrom sources in turn, then env, each overriding the last. */
function manifestEnv(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, find<ConfigMap>('ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, secretValues(from.secretRef.name));
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value as string;
  return env;
}
/** The container's whole environment: the image's ENV under what the manifests set. */
const podEnv = () => ({ ...IMAGE_ENV, ...manifestEnv(container) });

/** Writes a projected volume out as the kubelet would; returns its folder and the paths in it. */
async function project(sources: ProjectedSource[]): Promise<{ dir: string; paths: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-k8s-volume-'));
  temps.push(dir);
  const paths: string[] = [];
  for (const { configMap } of sources) {
    if (!configMap) continue;
    const { data } = find<ConfigMap>('ConfigMap', configMap.name);
    for (const { key, path } of configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }))) {
      expect(data, `${configMap.name} has no key ${key}`).toHaveProperty([key]);
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), String(data[key]));
      paths.push(path);
    }
  }
  return { dir, paths: paths.sort() };
}

describe('deploy/k8s', () => {
  it('every file parses, and every document has apiVersion, kind and metadata.name, once', () => {
    expect(k8sFiles.length).toBeGreaterThan(0);
    for (const { file, docs } of k8sDocs) {
      expect(docs.flatMap((d) => d.errors.map((e) => e.message)), file).toEqual([]);
    }
    for (const m of manifests) {
      expect(m, JSON.stringify(m).slice(0, 80)).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
    }
    const ids = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(ids).toEqual([...new Set(ids)]);
  });

  it('switchboard-config and switchboard-vendors are byte-identical copies of config/', () => {
    // Stale? Regenerate with the kubectl commands in deploy/k8s/configmap.yaml's header.
    const gateway = find<ConfigMap>('ConfigMap', 'switchboard-config');
    expect(Object.keys(gateway.data)).toEqual(['gateway.yaml']);
    expect(gateway.data['gateway.yaml']).toBe(configText.get('gateway.yaml'));

    const vendors = find<ConfigMap>('ConfigMap', 'switchboard-vendors');
    expect(Object.keys(vendors.data).sort()).toEqual(vendorFiles);
    for (const f of vendorFiles) expect(vendors.data[f], f).toBe(configText.get(`vendors/${f}`));
  });

  it('ConfigMap, Secret and env values are strings (the API server rejects numbers and booleans)', () => {
    for (const m of manifests) {
      const values = m.kind === 'ConfigMap' ? (m as ConfigMap).data : m.kind === 'Secret' ? (m as Secret).stringData : undefined;
      for (const [k, v] of Object.entries(values ?? {})) expect(typeof v, `${m.kind}/${m.metadata.name}: ${k}`).toBe('string');
    }
    for (const w of workloads) {
      for (const c of w.spec.template.spec.containers) {
        for (const e of c.env ?? []) if (e.value !== undefined) expect(typeof e.value, `${w.kind}/${w.metadata.name} ${c.name}: ${e.name}`).toBe('string');
      }
    }
  });

  it('the environment the pod gets passes src/env.ts, and every key set is read by the gateway', () => {
    const { vars } = readEnv(podEnv());
    expect(unconsumed(manifestEnv(container), vars)).toEqual([]);
    expect(vars.CURSOR_SECRET).toBeDefined();

    // STATE_STORE names the Redis Service in redis.yaml, on its port.
    const url = new URL(vars.STATE_STORE);
    expect(url.protocol).toBe('redis:');
    const redis = find<Service>('Service', url.hostname);
    expect(redis.spec.ports.map((p) => p.port)).toContain(Number(url.port || 6379));
  });

  it('ships no secret values: no Secret manifest for `kubectl apply` to roll over a real one; create-secrets.sh creates every Secret the pods read, and never overwrites', () => {
    expect(manifests.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name)).toEqual([]);
    const read = new Set(
      workloads.flatMap((w) =>
        w.spec.template.spec.containers.flatMap((c) => [
          ...(c.envFrom ?? []).flatMap((f) => (f.secretRef ? [f.secretRef.name] : [])),
          ...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
        ]),
      ),
    );
    expect([...created.secrets.keys()].sort()).toEqual([...read].sort());
    // `kubectl create` refuses a Secret that exists; `apply` would replace it.
    for (const call of created.calls) expect(call.slice(0, 3)).toEqual(['create', 'secret', 'generic']);
    // Each run makes its own: nothing generated is a constant of the script.
    const values = secretValues('switchboard-secrets');
    expect(values.CURSOR_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(values).toMatchObject(VENDOR_CREDENTIALS);
  });

  it('the example runs with auth required: clients come from API_CLIENTS in the Secret, and the key create-secrets.sh prints is the one that gets in', async () => {
    const env = podEnv();
    const { vars } = readEnv(env);
    expect(env.AUTH_REQUIRED).toBe('true');
    const key = /API key of client (\S+) .*: (\S+)$/m.exec(created.stdout);
    expect(key, created.stdout).not.toBeNull();
    const [, client, apiKey] = key!;

    // The pod's config volume and environment, with each vendor's base URL on a simulator here that takes
    // exactly the credentials from the Secret (a real vendor would refuse others).
    const { dir } = await project(pod.spec.volumes!.find((v) => v.projected)!.projected!.sources);
    const sims: Simulator[] = [];
    const vendorEnv: Record<string, string> = {};
    try {
      for (const v of (await loadConfig(dir, env)).vendors) {
        const a = v.auth;
        const query = Object.fromEntries(Object.entries(v.request.query).map(([k, p]) => [k, typeof p === 'string' ? p : p.value]));
        const creds = { query, ...(a.type === 'bearer' ? { bearer: a.token } : {}), ...(a.type === 'header' && a.value ? { header: { name: a.name, value: a.value } } : {}) };
        const mod = simulators[v.simulator!]!;
        const sim = await startSimulator(mod.behaviour(creds), { data: mod.demoData(1, 5) });
        sims.push(sim);
        vendorEnv[`${v.name.toUpperCase()}_BASE_URL`] = sim.url;
      }
      expect(vars.SIMULATORS).toBe('off');
      const gateway = await buildGateway({ configDir: dir, env: { ...env, ...vendorEnv }, logger: memoryLogger(), cursorSecret: vars.CURSOR_SECRET! });
      try {
        expect(gateway.config.gateway.inbound.authRequired).toBe(true);
        expect(gateway.config.gateway.inbound.clients).toEqual([expect.objectContaining({ id: client, keySha256: createHash('sha256').update(apiKey!).digest('hex') })]);
        const get = (headers: Record<string, string> = {}) => gateway.fetch(new Request('http://localhost/conversations?limit=3', { headers }));
        expect((await get()).status).toBe(401);
        expect((await get({ authorization: 'Bearer not-the-key' })).status).toBe(401);
        const ok = await get({ authorization: `Bearer ${apiKey}` });
        const body = (await ok.json()) as { sources: { status: string }[] };
        expect(ok.status, JSON.stringify(body)).toBe(200);
        expect(body.sources.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
      } finally {
        await gateway.close();
      }
    } finally {
      await Promise.all(sims.map((s) => s.close()));
    }
  });

  it('a CURSOR_SECRET copied from an example (the replace-with-… one deploy/k8s shipped) or under 16 characters is refused at start', () => {
    for (const secret of ['replace-with-32-random-bytes-base64url', 'change-me-to-a-long-random-secret', '${CURSOR_SECRET}', 'xxxxxxxxxxxxxxxxxxxxxxxx', 'short']) {
      expect(() => readEnv({ CURSOR_SECRET: secret }), secret).toThrowError(/CURSOR_SECRET: (is a placeholder|must be at least 16)/);
    }
    expect(readEnv({ CURSOR_SECRET: secretValues('switchboard-secrets').CURSOR_SECRET }).vars.CURSOR_SECRET).toBeDefined();
  });

  it('the gateway listens on loopback by default; the image, the pod and compose set HOST=0.0.0.0 themselves', () => {
    expect(readEnv({}).vars.HOST).toBe('127.0.0.1');
    expect(IMAGE_ENV.HOST).toBe('0.0.0.0');
    expect(manifestEnv(container).HOST).toBe('0.0.0.0');
    expect(compose.services.switchboard?.environment?.HOST).toBe('0.0.0.0');
  });

  it('MIRROR_STORE is in the Secret (never a ConfigMap) and names the postgres Service, with the credentials its StatefulSet creates', () => {
    const { vars } = readEnv(podEnv());
    expect(vars.MIRRORS).toBe('on');
    // It carries a password: from switchboard's Secret, and nowhere a ConfigMap or a plain env value sets it.
    const secrets = (container.envFrom ?? []).flatMap((f) => (f.secretRef ? [secretValues(f.secretRef.name)] : []));
    expect(secrets.some((s) => s.MIRROR_STORE === vars.MIRROR_STORE), 'MIRROR_STORE comes from a Secret the pod reads').toBe(true);
    for (const m of manifests.filter((x): x is ConfigMap => x.kind === 'ConfigMap')) expect(Object.keys(m.data ?? {}), `ConfigMap/${m.metadata.name}`).not.toContain('MIRROR_STORE');
    expect((container.env ?? []).map((e) => e.name)).not.toContain('MIRROR_STORE');

    // The host is a Service, on a port it has, selecting the postgres StatefulSet's pods on a port they listen on.
    const store = pgUrl(vars.MIRROR_STORE);
    const service = find<Service>('Service', store.host);
    const port = service.spec.ports.find((p) => p.port === store.port);
    expect(port, `Service ${store.host} has port ${store.port}`).toBeDefined();
    const sts = find<StatefulSet>('StatefulSet', store.host);
    expect(sts.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const pg = sts.spec.template.spec.containers.find((c) => /^postgres:/.test(c.image ?? ''));
    expect(pg, 'a container on the official postgres image').toBeDefined();
    expect(containerPort(pg!, port!.targetPort ?? port!.port)).toBe(5432);

    // The role, password and database the image creates on first start are the ones the URL logs in with.
    const pgEnv = (name: string): string | undefined => {
      const e = pg!.env?.find((x) => x.name === name);
      if (e?.valueFrom?.secretKeyRef) {
        const { name: secret, key } = e.valueFrom.secretKeyRef;
        const value = secretValues(secret)[key];
        expect(value, `Secret ${secret} has ${key}`).toBeDefined();
        return String(value);
      }
      return e?.value as string | undefined;
    };
    for (const e of pg!.env ?? []) expect(POSTGRES_IMAGE_ENV, `${e.name} is not a variable of the postgres image`).toContain(e.name);
    const user = pgEnv('POSTGRES_USER') ?? 'postgres';
    expect(store.user).toBe(user);
    expect(pg!.env?.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef, 'POSTGRES_PASSWORD from a Secret').toBeDefined();
    expect(store.password, 'the password in MIRROR_STORE is POSTGRES_PASSWORD').toBe(pgEnv('POSTGRES_PASSWORD'));
    expect(store.db).toBe(pgEnv('POSTGRES_DB') ?? user);
    // Its readiness asks PostgreSQL itself, as that role, for that database.
    const probe = pg!.readinessProbe?.exec?.command ?? [];
    expect(probe[0]).toBe('pg_isready');
    expect(probe.slice(probe.indexOf('-U'), probe.indexOf('-U') + 2)).toEqual(['-U', user]);
    expect(probe.slice(probe.indexOf('-d'), probe.indexOf('-d') + 2)).toEqual(['-d', store.db]);
  });

  it("the postgres StatefulSet keeps its data on its claim: mounted at the image's data path, PGDATA inside it, a headless governing Service", () => {
    const sts = find<StatefulSet>('StatefulSet', pgUrl(readEnv(podEnv()).vars.MIRROR_STORE).host);
    const pg = sts.spec.template.spec.containers.find((c) => /^postgres:/.test(c.image ?? ''))!;
    expect(sts.spec.replicas ?? 1, 'one PostgreSQL: no replication is set up').toBe(1);
    const claims = sts.spec.volumeClaimTemplates ?? [];
    expect(claims.length, 'a volumeClaimTemplate').toBeGreaterThan(0);
    const dataPath = postgresDataPath(pg.image);
    const mount = pg.volumeMounts?.find((m) => m.mountPath === dataPath);
    expect(mount, `a volume at ${dataPath}`).toBeDefined();
    expect(claims.map((c) => c.metadata.name), 'the volume at the data path is a claim, not the pod\'s disk').toContain(mount!.name);
    const claim = claims.find((c) => c.metadata.name === mount!.name)!;
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.spec.resources.requests.storage).toMatch(/^\d+(Mi|Gi|Ti)$/);
    const pgdata = pg.env?.find((e) => e.name === 'PGDATA')?.value as string | undefined;
    if (pgdata !== undefined) expect(pgdata === dataPath || pgdata.startsWith(`${dataPath}/`), `PGDATA ${pgdata} is on the claim`).toBe(true);

    const governing = find<Service>('Service', sts.spec.serviceName);
    expect(governing.spec.clusterIP).toBe('None');
    expect(sts.spec.template.metadata.labels).toMatchObject(governing.spec.selector);
    expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
  });

  it('several replicas share a PostgreSQL mirror store; nothing needs DATA_DIR on the read-only root filesystem', () => {
    const { vars } = readEnv(podEnv());
    const hpa = manifests.filter((m): m is Hpa => m.kind === 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === deployment.metadata.name);
    const replicas = Math.max(deployment.spec.replicas ?? 1, hpa?.spec.minReplicas ?? 1);
    expect(replicas).toBeGreaterThanOrEqual(2);
    // A SQLite file per pod would be a mirror per replica, each syncing every vendor (and on a read-only disk).
    expect(vars.MIRROR_STORE).toMatch(/^postgres(ql)?:\/\//);
    expect(container.volumeMounts?.map((m) => m.mountPath) ?? []).not.toContain(vars.DATA_DIR);
  });

  it('mounts config/ at CONFIG_DIR: the volume built from the ConfigMaps is config/, and loads with the pod env', async () => {
    const { vars } = readEnv(podEnv());
    const mount = container.volumeMounts?.find((m) => m.mountPath === vars.CONFIG_DIR);
    expect(mount, `nothing mounted at CONFIG_DIR ${vars.CONFIG_DIR}`).toBeDefined();
    const volume = pod.spec.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.projected).toBeDefined();
    const sources = volume!.projected!.sources;

    const vendorSource = sources.find((s) => s.configMap?.name === 'switchboard-vendors');
    const vendorKeys = Object.keys(find<ConfigMap>('ConfigMap', 'switchboard-vendors').data).sort();
    expect(vendorSource?.configMap?.items?.slice().sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      vendorKeys.map((key) => ({ key, path: `vendors/${key}` })),
    );

    const { dir, paths } = await project(sources);
    expect(paths).toEqual([...configFiles].sort());
    for (const p of paths) expect(await readFile(join(dir, p), 'utf8'), p).toBe(configText.get(p));

    // What `switchboard check` does: SIMULATORS=off, so every vendor needs its base URL from the pod env.
    await expect(loadToolingConfig(dir, podEnv(), { simulators: simulatorMode(vars) })).resolves.toBeDefined();
  });

  it('probes /readyz and /healthz, and Prometheus scrapes /metrics, on the port the gateway listens on', () => {
    const { vars } = readEnv(podEnv());
    expect(container.ports?.map((p) => p.containerPort)).toContain(vars.PORT);
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(containerPort(container, container.readinessProbe?.httpGet?.port)).toBe(vars.PORT);
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(containerPort(container, container.livenessProbe?.httpGet?.port)).toBe(vars.PORT);
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/port': String(vars.PORT), 'prometheus.io/path': '/metrics' });
  });

  it('terminationGracePeriodSeconds outlasts the drain delay plus the shutdown grace', async () => {
    // config/ stands for the mounted copy: the two are byte-identical (asserted above).
    const env = podEnv();
    const { gateway } = await loadConfig(join(ROOT, 'config'), env);
    const { drainDelayMs, graceMs } = gateway.shutdown;
    expect(drainDelayMs, 'shutdown.drainDelayMs comes from DRAIN_DELAY_MS in the pod env').toBe(Number(env.DRAIN_DELAY_MS));
    const graceSeconds = pod.spec.terminationGracePeriodSeconds ?? 30; // Kubernetes' default
    expect(graceSeconds * 1000).toBeGreaterThan(drainDelayMs + graceMs);
  });

  it("each Deployment's and StatefulSet's selector matches its pods; each Service selects one's pods on a port they have", () => {
    for (const d of workloads) expect(d.spec.template.metadata.labels, `${d.kind}/${d.metadata.name}`).toMatchObject(d.spec.selector.matchLabels);

    for (const s of manifests.filter((m): m is Service => m.kind === 'Service')) {
      const target = workloads.filter((d) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(target.map((d) => d.metadata.name), `Service ${s.metadata.name} selects`).toHaveLength(1);
      for (const p of s.spec.ports) {
        const ports = target[0]!.spec.template.spec.containers.map((c) => containerPort(c, p.targetPort ?? p.port));
        expect(ports.some((n) => n !== undefined), `Service ${s.metadata.name} port ${p.port}`).toBe(true);
      }
    }

    const service = find<Service>('Service', 'switchboard');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    const http = container.ports?.find((p) => p.containerPort === readEnv(podEnv()).vars.PORT);
    expect(http?.name, 'the gateway port is named').toBeDefined();
    expect(service.spec.ports.map((p) => p.targetPort)).toContain(http?.name);
  });

  it('the HPA scales the Deployment and keeps at least two replicas', () => {
    const hpas = manifests.filter((m): m is Hpa => m.kind === 'HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    const { spec } = hpas[0]!;
    expect(spec.scaleTargetRef).toEqual({ apiVersion: deployment.apiVersion, kind: 'Deployment', name: deployment.metadata.name });
    expect(spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(spec.maxReplicas).toBeGreaterThanOrEqual(spec.minReplicas!);
  });
});

// kubectl's own Kustomize, offline (no cluster needed); skipped, and said so, where kubectl isn't installed.
const kubectl = await promisify(execFile)('kubectl', ['version', '--client']).then(() => true, () => false);
if (!kubectl) console.warn('[kubectl] SKIPPED kubectl kustomize deploy/k8s: no kubectl on PATH');

/** The Kubernetes schema of each kind deploy/k8s uses (kubernetes-models: the API's OpenAPI schemas, 1.27). */
const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  'apps/v1/Deployment': DeploymentModel,
  'apps/v1/StatefulSet': StatefulSetModel,
  'autoscaling/v2/HorizontalPodAutoscaler': HpaModel,
  'policy/v1/PodDisruptionBudget': PdbModel,
  'v1/ConfigMap': ConfigMapModel,
  'v1/Service': ServiceModel,
};

/** What the restricted rules and the spread need of a workload's pod template. */
interface PodTemplate {
  metadata: { labels: Labels; annotations?: Record<string, string> };
  spec: Omit<PodSpec, 'containers'> & {
    containers: (Omit<Container, 'ports'> &
      PodContainer & {
        startupProbe?: HttpProbe;
        resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
        securityContext?: SecurityContext & { readOnlyRootFilesystem?: boolean };
      })[];
    volumes?: ({ name: string } & Record<string, unknown>)[];
    topologySpreadConstraints?: { maxSkew: number; topologyKey: string; whenUnsatisfiable: string; labelSelector?: { matchLabels?: Labels } }[];
  };
}
const template = (w: Workload) => w.spec.template as unknown as PodTemplate;
interface Pdb extends Manifest {
  spec: { selector: { matchLabels: Labels }; minAvailable?: number | string; maxUnavailable?: number | string };
}

describe('deploy/k8s against the Kubernetes schemas and the Pod Security `restricted` profile', () => {
  it('every manifest validates against its kind’s Kubernetes schema (kubernetes-models)', () => {
    for (const m of manifests) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(Model, `${m.apiVersion} ${m.kind}: add its model to MODELS`).toBeDefined();
      expect(() => new Model!(m as never).validate(), `${m.kind}/${m.metadata.name}`).not.toThrow();
    }
  });

  it('kustomization.yaml (the Kustomize base) lists every manifest file, once, and nothing else', async () => {
    const k = parse(await text(`deploy/k8s/${KUSTOMIZATION}`)) as { apiVersion: string; kind: string; resources: string[] };
    expect([k.apiVersion, k.kind]).toEqual(['kustomize.config.k8s.io/v1beta1', 'Kustomization']);
    expect([...k.resources].sort()).toEqual(k8sFiles);
    expect(new Set(k.resources).size).toBe(k.resources.length);
  });

  it.skipIf(!kubectl)('`kubectl kustomize deploy/k8s` builds exactly the manifests of the files', async () => {
    const { stdout } = await promisify(execFile)('kubectl', ['kustomize', join(ROOT, 'deploy/k8s')]);
    const built = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
    const id = (m: Manifest) => `${m.kind}/${m.metadata.name}`;
    expect(built.map(id).sort()).toEqual(manifests.map(id).sort());
  });

  it('the schema check is real: a string runAsUser and a string containerPort are refused', () => {
    const broken = structuredClone(deployment) as unknown as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: { ports: { containerPort: unknown }[] }[] } } } };
    broken.spec.template.spec.securityContext.runAsUser = 'node';
    expect(() => new DeploymentModel(broken as never).validate()).toThrow(/runAsUser must be integer/);
    const port = structuredClone(deployment) as unknown as typeof broken;
    port.spec.template.spec.containers[0]!.ports[0]!.containerPort = '8080';
    expect(() => new DeploymentModel(port as never).validate()).toThrow(/containerPort must be integer/);
  });

  it('every pod meets `restricted`: non-root by number, no privilege escalation, capabilities dropped, RuntimeDefault seccomp, allowed volumes only', () => {
    for (const w of workloads) {
      const t = template(w);
      expect(restrictedViolations(t.spec, t.metadata.annotations), `${w.kind}/${w.metadata.name}`).toEqual([]);
    }
  });

  it('the restricted check refuses what the previous deployment.yaml had: no capabilities.drop, no seccompProfile, runAsNonRoot against a named USER', () => {
    const before: PodSpec = { containers: [{ name: 'switchboard', securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } }] };
    expect(restrictedViolations(before)).toEqual([
      'spec.containers[switchboard].securityContext.capabilities.drop: must include ALL',
      'spec.containers[switchboard].securityContext.seccompProfile: must be RuntimeDefault or Localhost (here or in the pod\'s securityContext)',
    ]);
    // And each rule on its own.
    const ok = template(deployment).spec;
    const variant = (f: (s: PodSpec) => void) => {
      const s = structuredClone(ok);
      f(s);
      return restrictedViolations(s);
    };
    expect(variant((s) => (s.hostNetwork = true))).toEqual(['spec.hostNetwork: host namespaces are forbidden']);
    expect(variant((s) => (s.securityContext!.runAsUser = 0))).toEqual(['spec.securityContext.runAsUser: 0 is root']);
    expect(variant((s) => (s.containers[0]!.securityContext!.capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] }))).toEqual([
      'spec.containers[switchboard].securityContext.capabilities.add: NET_ADMIN (only NET_BIND_SERVICE)',
    ]);
    expect(variant((s) => (s.securityContext!.seccompProfile = { type: 'Unconfined' }))).toEqual(['spec.securityContext.seccompProfile.type: Unconfined (RuntimeDefault or Localhost)']);
    expect(variant((s) => s.volumes!.push({ name: 'host', hostPath: { path: '/' } }))).toEqual(['spec.volumes[host]: hostPath volumes are forbidden']);
    expect(variant((s) => (s.containers[0]!.securityContext!.allowPrivilegeEscalation = true))).toEqual(['spec.containers[switchboard].securityContext.allowPrivilegeEscalation: must be false']);
    expect(variant((s) => (s.containers[0]!.ports = [{ hostPort: 8080 }]))).toEqual(['spec.containers[switchboard].ports: hostPort 8080 is forbidden']);
  });

  it("the gateway runs as the image's numeric USER, on a read-only root with an emptyDir for /tmp (and DATA_DIR left read-only: see above)", () => {
    const [uid, gid] = /^USER\s+(\d+):(\d+)\s*$/m.exec(dockerfileText)!.slice(1).map(Number);
    const t = template(deployment);
    expect(t.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid });
    const c = t.spec.containers.find((x) => x.name === 'switchboard')!;
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    const emptyDirs = new Set((t.spec.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    const writable = (c.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
    expect(writable).toEqual(['/tmp']);
    for (const v of t.spec.volumes ?? []) if (v.emptyDir) expect((v.emptyDir as { sizeLimit?: string }).sizeLimit, v.name).toBeDefined();
  });

  it('every container has resource requests and a memory limit; the gateway has startup, readiness and liveness probes', () => {
    for (const w of workloads) {
      for (const c of template(w).spec.containers) {
        expect(c.resources?.requests, `${w.metadata.name}/${c.name}`).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources?.limits?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
        expect(c.readinessProbe, `${w.metadata.name}/${c.name} readiness`).toBeDefined();
      }
    }
    const c = template(deployment).spec.containers.find((x) => x.name === 'switchboard')!;
    expect(c.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(containerPort(container, c.startupProbe?.httpGet?.port)).toBe(readEnv(podEnv()).vars.PORT);
  });

  it('the image names a registry and a version tag (the package version), not :latest', async () => {
    const version = (JSON.parse(await text('package.json')) as { version: string }).version;
    const ref = container.image ?? '';
    const [registry] = ref.split('/');
    expect(ref.split('/').length, `${ref}: registry/name:tag`).toBeGreaterThan(1);
    expect(registry).toMatch(/[.:]/); // a host (has a dot or a port), not a Docker Hub namespace
    expect(ref.endsWith(`:${version}`), ref).toBe(true);
  });

  it('a PodDisruptionBudget keeps one replica serving through a node drain, and the replicas spread over nodes and zones', () => {
    const pdbs = manifests.filter((m): m is Pdb => m.kind === 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name)).toEqual(['switchboard']);
    const [pdb] = pdbs;
    expect(pod.metadata.labels).toMatchObject(pdb!.spec.selector.matchLabels);
    const hpa = manifests.find((m): m is Hpa => m.kind === 'HorizontalPodAutoscaler')!;
    const min = Math.min(hpa.spec.minReplicas ?? 1, deployment.spec.replicas ?? 1);
    // At the fewest replicas, the budget still lets one go (a drain can proceed) and keeps one.
    const allowed = pdb!.spec.maxUnavailable !== undefined ? Number(pdb!.spec.maxUnavailable) : min - Number(pdb!.spec.minAvailable);
    expect(allowed).toBeGreaterThanOrEqual(1);
    expect(min - allowed).toBeGreaterThanOrEqual(1);

    const spread = template(deployment).spec.topologySpreadConstraints ?? [];
    expect(spread.map((s) => s.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const s of spread) {
      expect(pod.metadata.labels).toMatchObject(s.labelSelector?.matchLabels ?? { selects: 'nothing' });
      expect(s.maxSkew).toBe(1);
    }
  });
});

const compose = parse(await text('deploy/docker-compose.yml')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const nginx = await text('deploy/nginx.conf');

describe('deploy/docker-compose.yml and nginx.conf', () => {
  const { redis, postgres, switchboard, lb } = compose.services;
  // Compose resolves ${VAR:-default} from the shell (with nothing set, the defaults apply), and refuses to
  // start when a ${VAR:?message} is unset: the README's command sets CURSOR_SECRET in the shell.
  const SHELL = { CURSOR_SECRET: createHash('sha256').update(String(Math.random())).digest('base64url') };
  const environment = (s: ComposeService | undefined, shell: Record<string, string> = SHELL) =>
    Object.fromEntries(
      Object.entries(s?.environment ?? {}).map(([k, v]) => [
        k,
        interpolateString(
          String(v).replace(/\$\{(\w+):\?([^}]*)\}/g, (_m, name: string, message: string) => {
            if (!shell[name]) throw new Error(`compose: ${name}: ${message}`);
            return shell[name];
          }),
          shell,
          [k],
        ),
      ]),
    );
  const set = environment(switchboard);
  const env = { ...IMAGE_ENV, ...set };
  const dependsOn = (s: ComposeService | undefined) => (Array.isArray(s?.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {}])) : (s?.depends_on ?? {}));

  it('has redis, postgres, switchboard and lb services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['lb', 'postgres', 'redis', 'switchboard']);
    expect(redis?.image).toMatch(/^redis:/);
    expect(postgres?.image).toMatch(/^postgres:\d+/);
    expect(lb?.image).toMatch(/^nginx:/);
  });

  it('runs at least two replicas sharing the redis service and one cursor secret, with an env the gateway accepts', async () => {
    expect(switchboard?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    const { vars } = readEnv(env);
    expect(unconsumed(set, vars)).toEqual([]);
    expect(vars.CURSOR_SECRET).toBeDefined();
    const url = new URL(vars.STATE_STORE);
    expect(url.protocol).toBe('redis:');
    expect(url.hostname).toBe('redis');
    expect(Number(url.port || 6379)).toBe(6379); // the redis image's port; the service publishes none
    // The image bakes config/ in (COPY config); SIMULATORS defaults to auto here.
    await expect(loadToolingConfig(join(ROOT, 'config'), env, { simulators: simulatorMode(vars) })).resolves.toBeDefined();
  });

  it('takes CURSOR_SECRET from the shell or refuses to start, serves the auth-off demo on loopback only, and runs its simulators outside production', async () => {
    expect(() => environment(switchboard, {})).toThrowError(/compose: CURSOR_SECRET: set CURSOR_SECRET/);
    expect(lb?.ports).toEqual(['127.0.0.1:8080:8080']);
    const { vars } = readEnv(env);
    expect(vars.NODE_ENV).not.toBe('production');
    expect(simulatorMode(vars)).toBe('auto');
    const { vendors } = await loadToolingConfig(join(ROOT, 'config'), env, { simulators: simulatorMode(vars) });
    expect(vendors.map((v) => v.origin)).toEqual(vendors.map(() => 'http://simulator.invalid')); // every vendor on its simulator
  });

  it('the replicas share the postgres service as MIRROR_STORE, with the role, password and database it creates, once it is healthy', () => {
    const { vars } = readEnv(env);
    expect(vars.MIRRORS).toBe('on');
    const store = pgUrl(vars.MIRROR_STORE);
    expect(store.host).toBe('postgres');
    expect(store.port).toBe(5432); // the postgres image's port; the service publishes none
    expect(postgres?.ports ?? []).toEqual([]);
    const pg = environment(postgres);
    for (const k of Object.keys(pg)) expect(POSTGRES_IMAGE_ENV, `${k} is not a variable of the postgres image`).toContain(k);
    const user = pg.POSTGRES_USER ?? 'postgres';
    expect(store).toMatchObject({ user, password: pg.POSTGRES_PASSWORD, db: pg.POSTGRES_DB ?? user });
    // One shell variable sets both passwords: change it and they still agree.
    const shell = { ...SHELL, POSTGRES_PASSWORD: 'from-the-shell' };
    expect(pgUrl(environment(switchboard, shell).MIRROR_STORE!).password).toBe(environment(postgres, shell).POSTGRES_PASSWORD);
    expect(pg.POSTGRES_PASSWORD).not.toBe('from-the-shell');

    // Its healthcheck asks PostgreSQL itself, and the replicas wait for it (and for Redis).
    const test = [postgres?.healthcheck?.test ?? []].flat().join(' ');
    expect(test).toMatch(/\bpg_isready\b/);
    expect(dependsOn(switchboard)).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  });

  it("postgres keeps its data in a named volume at the image's data path", () => {
    const dataPath = postgresDataPath(postgres?.image);
    const mount = postgres?.volumes?.map((v) => v.split(':')).find(([, target]) => target === dataPath);
    expect(mount, `a volume at ${dataPath}`).toBeDefined();
    const [source] = mount!;
    expect(source, 'a named volume (a bind mount would be a host folder)').toMatch(/^[A-Za-z0-9][\w.-]*$/);
    expect(Object.keys(compose.volumes ?? {}), 'declared under volumes:').toContain(source);
  });

  it('gives a replica time to drain before Docker kills it', async () => {
    const { gateway } = await loadConfig(join(ROOT, 'config'), env);
    const m = /^(\d+)(ms|s|m)$/.exec(switchboard?.stop_grace_period ?? '10s'); // Compose's default: 10 s
    expect(m, 'stop_grace_period in ms, s or m').not.toBeNull();
    const graceMs = Number(m![1]) * { ms: 1, s: 1000, m: 60_000 }[m![2] as 'ms' | 's' | 'm'];
    expect(graceMs).toBeGreaterThan(gateway.shutdown.drainDelayMs + gateway.shutdown.graceMs);
  });

  it('lb mounts ./nginx.conf as a conf.d server config and listens where compose publishes it', () => {
    // The file holds http-level directives (upstream, server): it belongs in conf.d, not as nginx.conf.
    const mount = lb?.volumes?.map((v) => v.split(':')).find(([source]) => source === './nginx.conf');
    expect(mount?.[1]).toMatch(/^\/etc\/nginx\/conf\.d\/[^/]+\.conf$/);
    const listens = [...nginx.matchAll(/^\s*listen\s+(\d+)/gm)].map((m) => m[1]);
    for (const p of lb?.ports ?? []) expect(listens).toContain(p.split('/')[0]!.split(':').at(-1));
  });

  it('nginx proxies to the switchboard service on the port the gateway listens on', () => {
    const { vars } = readEnv(env);
    const upstreams = new Map(
      [...nginx.matchAll(/upstream\s+(\S+)\s*\{([^}]*)\}/g)].map(([, name = '', body = '']) => [name, [...body.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((m) => m[1]!)]),
    );
    const targets = [...nginx.matchAll(/proxy_pass\s+http:\/\/([^\s;/]+)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      const servers = upstreams.get(target) ?? [target];
      expect(servers.length, target).toBeGreaterThan(0);
      for (const s of servers) expect(s).toBe(`switchboard:${vars.PORT}`);
    }
  });

  it('nginx does not expose /metrics', () => {
    expect(nginx).toMatch(/location\s*=\s*\/metrics\s*\{[^}]*\b(return\s+40[34]|deny\s+all)\b/);
  });
});

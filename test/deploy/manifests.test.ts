/**
 * The deployment examples in deploy/ can't run here (no Docker engine, no Kubernetes cluster), so nothing
 * would notice them rot. This checks they agree with config/, the Dockerfile and the code instead: the
 * ConfigMaps are exact copies of config/, the volume the Deployment builds from them loads (as
 * `switchboard check` would) with the environment the pod gets, that environment passes src/env.ts, and
 * every name, port and path that joins one manifest to another matches.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadToolingConfig } from '../../src/cli/tooling-config.js';
import { ENV_REFERENCE_SOURCE, interpolateString } from '../../src/config/interpolate.js';
import { loadConfig } from '../../src/config/load.js';
import { readEnv } from '../../src/env.js';
import { ROOT } from '../helpers/harness.js';

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
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: unknown }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
}
interface ProjectedSource {
  configMap?: { name: string; items?: { key: string; path: string }[] };
}
interface Deployment extends Manifest {
  spec: {
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
interface Service extends Manifest {
  spec: { selector: Labels; ports: { name?: string; port: number; targetPort?: number | string }[] };
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
const IMAGE_ENV = imageEnv(await text('Dockerfile'));

/** Keys a manifest sets that neither src/env.ts nor a `${VAR}` in config/ reads (typos, leftovers). */
function unconsumed(set: Record<string, string>, vars: object): string[] {
  return Object.keys(set).filter((k) => !(k in vars) && !referenced.has(k));
}

const k8sFiles = (await readdir(join(ROOT, 'deploy/k8s'))).filter(isYaml).sort();
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
const pod = deployment.spec.template;
const container = pod.spec.containers.find((c) => c.name === 'switchboard')!;

/** A container port by name or number, as probes and Services refer to it. */
function containerPort(c: Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? c.ports?.find((p) => p.containerPort === port)?.containerPort : c.ports?.find((p) => p.name === port)?.containerPort;
}

const secretValues = (s: Secret): Record<string, unknown> => ({
  ...Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
  ...s.stringData,
});

/** What the manifests set, in Kubernetes' order: envFrom sources in turn, then env, each overriding the last. */
function manifestEnv(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, find<ConfigMap>('ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, secretValues(find<Secret>('Secret', from.secretRef.name)));
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value as string;
  return env;
}
/** The container's whole environment: the image's ENV under what the manifests set. */
const podEnv = () => ({ ...IMAGE_ENV, ...manifestEnv(container) });

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

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
    for (const e of container.env ?? []) if (e.value !== undefined) expect(typeof e.value, e.name).toBe('string');
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
    await expect(loadToolingConfig(dir, podEnv(), { simulators: vars.SIMULATORS !== 'off' })).resolves.toBeDefined();
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

  it("the Deployment's selector matches its pods; each Service selects a Deployment's pods on a port they have", () => {
    const deployments = manifests.filter((m): m is Deployment => m.kind === 'Deployment');
    for (const d of deployments) expect(d.spec.template.metadata.labels, d.metadata.name).toMatchObject(d.spec.selector.matchLabels);

    for (const s of manifests.filter((m): m is Service => m.kind === 'Service')) {
      const target = deployments.filter((d) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
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

const compose = parse(await text('deploy/docker-compose.yml')) as { services: Record<string, ComposeService> };
const nginx = await text('deploy/nginx.conf');

describe('deploy/docker-compose.yml and nginx.conf', () => {
  const { redis, switchboard, lb } = compose.services;
  // Compose resolves ${VAR:-default} from the shell; with nothing set, the defaults apply.
  const set = Object.fromEntries(Object.entries(switchboard?.environment ?? {}).map(([k, v]) => [k, interpolateString(String(v), {}, [k])]));
  const env = { ...IMAGE_ENV, ...set };

  it('has redis, switchboard and lb services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['lb', 'redis', 'switchboard']);
    expect(redis?.image).toMatch(/^redis:/);
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
    await expect(loadToolingConfig(join(ROOT, 'config'), env, { simulators: vars.SIMULATORS !== 'off' })).resolves.toBeDefined();
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

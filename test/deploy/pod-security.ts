/**
 * The Pod Security Standards' `restricted` profile (which includes `baseline`), as the admission controller
 * checks a pod spec, written from the Kubernetes docs (concepts/security/pod-security-standards): each rule
 * returns what breaks it, by field path. A namespace labelled pod-security.kubernetes.io/enforce=restricted
 * rejects a pod with any. (No cluster here to ask, so the rules are ours to keep up with the docs.)
 */

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
  appArmorProfile?: { type: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
}
interface PodSecurityContext extends Omit<SecurityContext, 'privileged' | 'allowPrivilegeEscalation' | 'capabilities' | 'procMount'> {
  sysctls?: { name: string; value: string }[];
}
export interface PodContainer {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}
export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: PodSecurityContext;
  containers: PodContainer[];
  initContainers?: PodContainer[];
  ephemeralContainers?: PodContainer[];
  volumes?: Record<string, unknown>[];
}

/** Volume sources `restricted` allows (every other, hostPath among them, is refused). */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

/** Every way this pod breaks `restricted`, as "field: why"; [] when it is admitted. */
export function restrictedViolations(spec: PodSpec, annotations: Record<string, string> = {}): string[] {
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers = [
    ...(spec.initContainers ?? []).map((c) => ['initContainers', c] as const),
    ...spec.containers.map((c) => ['containers', c] as const),
    ...(spec.ephemeralContainers ?? []).map((c) => ['ephemeralContainers', c] as const),
  ].map(([list, c]) => ({ at: `spec.${list}[${c.name}].securityContext`, c, sc: c.securityContext ?? {} }));

  // Baseline.
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[f]) out.push(`spec.${f}: host namespaces are forbidden`);
  if (pod.windowsOptions?.hostProcess) out.push('spec.securityContext.windowsOptions.hostProcess: forbidden');
  for (const [i, s] of (pod.sysctls ?? []).entries()) if (!SAFE_SYSCTLS.includes(s.name)) out.push(`spec.securityContext.sysctls[${i}]: ${s.name} is not a safe sysctl`);
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value !== 'runtime/default' && !value.startsWith('localhost/')) out.push(`annotation ${key}: ${value}`);
  }
  const baselineContext = (at: string, sc: PodSecurityContext | SecurityContext) => {
    if (sc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)) out.push(`${at}.appArmorProfile.type: ${sc.appArmorProfile.type}`);
    const se = sc.seLinuxOptions;
    if (se && (!SELINUX_TYPES.includes(se.type ?? '') || se.user || se.role)) out.push(`${at}.seLinuxOptions: only a container type, no user or role`);
    // Restricted: RuntimeDefault or Localhost wherever it is set (Unconfined is refused by baseline too).
    if (sc.seccompProfile && !['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile.type)) out.push(`${at}.seccompProfile.type: ${sc.seccompProfile.type} (RuntimeDefault or Localhost)`);
    // Restricted: runAsUser 0 is root whatever runAsNonRoot says.
    if (sc.runAsUser === 0) out.push(`${at}.runAsUser: 0 is root`);
    if (sc.runAsNonRoot === false) out.push(`${at}.runAsNonRoot: false`);
  };
  baselineContext('spec.securityContext', pod);
  for (const { at, c, sc } of containers) {
    baselineContext(at, sc);
    if (sc.privileged) out.push(`${at}.privileged: forbidden`);
    if (sc.windowsOptions?.hostProcess) out.push(`${at}.windowsOptions.hostProcess: forbidden`);
    if (sc.procMount && sc.procMount !== 'Default') out.push(`${at}.procMount: ${sc.procMount}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`spec.containers[${c.name}].ports: hostPort ${p.hostPort} is forbidden`);

    // Restricted.
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}.allowPrivilegeEscalation: must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}.capabilities.drop: must include ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') out.push(`${at}.capabilities.add: ${cap} (only NET_BIND_SERVICE)`);
    if (pod.runAsNonRoot !== true && sc.runAsNonRoot !== true) out.push(`${at}.runAsNonRoot: must be true (here or in the pod's securityContext)`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp === undefined) out.push(`${at}.seccompProfile: must be RuntimeDefault or Localhost (here or in the pod's securityContext)`);
  }
  for (const v of spec.volumes ?? []) {
    const source = Object.keys(v).filter((k) => k !== 'name');
    for (const s of source) if (!RESTRICTED_VOLUMES.includes(s)) out.push(`spec.volumes[${String(v.name)}]: ${s} volumes are forbidden`);
  }
  return out;
}

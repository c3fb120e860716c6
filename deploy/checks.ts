/**
 * Checks of rendered Kubernetes objects that need no cluster: that the pieces agree with each
 * other (selectors, ports, probes, references), the production policy (pinned images, limits,
 * a locked-down security context), that every address a process is given names a Service the
 * overlay defines, and that the NetworkPolicies let each call through. Each returns the
 * problems it finds (empty = fine), so a test can show that a broken object is caught.
 * deploy/manifests.spec.ts runs them on both overlays; the rules are in deploy/kustomize/README.md.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // The parts read here are typed by the accessors below; the rest is the API's business.
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  automountServiceAccountToken?: boolean;
}

type Labels = Record<string, string>;
type PortRef = number | string;

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string } };
}

interface Probe {
  httpGet?: { path?: string; port: PortRef };
  grpc?: { port: number };
  tcpSocket?: { port: PortRef };
  exec?: unknown;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}

interface PodSpec {
  containers: Container[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; fsGroup?: number };
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
  topologySpreadConstraints?: unknown[];
  affinity?: { podAntiAffinity?: unknown };
}

export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  replicas: number;
  selector: Labels;
  labels: Labels;
  pod: PodSpec;
  /** StatefulSet: its headless Service and the claims of its volumeClaimTemplates. */
  serviceName?: string;
  claimTemplates: string[];
}

interface ServiceSpec {
  selector?: Labels;
  clusterIP?: string;
  ports: Array<{ name?: string; port: number; targetPort?: PortRef }>;
}

const named = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const specOf = <T>(o: K8sObject) => (o.spec ?? {}) as T;

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => {
      const spec = specOf<{
        replicas?: number;
        selector: { matchLabels: Labels };
        serviceName?: string;
        template: { metadata?: { labels?: Labels }; spec: PodSpec };
        volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
      }>(o);
      return {
        kind: o.kind as Workload['kind'],
        name: o.metadata.name,
        replicas: spec.replicas ?? 1,
        selector: spec.selector?.matchLabels ?? {},
        labels: spec.template?.metadata?.labels ?? {},
        pod: spec.template.spec,
        serviceName: spec.serviceName,
        claimTemplates: (spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name),
      };
    });
}

/** A matchLabels-style selector; `{}` selects everything. */
export const selects = (selector: Labels, labels: Labels): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const containerPort = (w: Workload, ref: PortRef): number | undefined => {
  for (const c of w.pod.containers)
    for (const p of c.ports ?? [])
      if (p.name === ref || p.containerPort === ref) return p.containerPort;
  return undefined;
};

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const probes = (c: Container): Array<[string, Probe]> =>
  PROBES.flatMap((k) => (c[k] ? [[k, c[k]] as [string, Probe]] : []));

/** Selectors, Services, probes, autoscalers, budgets, ConfigMap keys and claims agree. */
export function consistencyProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const ws = workloads(objects);
  const byName = new Map(ws.map((w) => [w.name, w]));
  const configMaps = new Map(named(objects, 'ConfigMap').map((c) => [c.metadata.name, c]));
  const accounts = new Set(named(objects, 'ServiceAccount').map((a) => a.metadata.name));
  const claims = new Set(named(objects, 'PersistentVolumeClaim').map((c) => c.metadata.name));

  for (const w of ws) {
    const where = `${w.kind} ${w.name}`;
    if (Object.keys(w.selector).length === 0) problems.push(`${where}: empty selector`);
    if (!selects(w.selector, w.labels))
      problems.push(`${where}: selector does not match its pod template's labels`);
    if (w.pod.serviceAccountName && !accounts.has(w.pod.serviceAccountName))
      problems.push(`${where}: ServiceAccount ${w.pod.serviceAccountName} is not defined`);
    for (const v of w.pod.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim && !claims.has(claim))
        problems.push(`${where}: PersistentVolumeClaim ${claim} is not defined`);
    }
    for (const c of w.pod.containers) {
      for (const [kind, probe] of probes(c)) {
        const port = probe.httpGet?.port ?? probe.grpc?.port ?? probe.tcpSocket?.port;
        if (
          port !== undefined &&
          !(c.ports ?? []).some((p) => p.name === port || p.containerPort === port)
        )
          problems.push(`${where}/${c.name}: ${kind} port ${port} is not a port of the container`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && configMaps.get(ref.name)?.data?.[ref.key] === undefined)
          problems.push(
            `${where}/${c.name}: ${e.name} refers to ConfigMap ${ref.name} key ${ref.key}, not defined`,
          );
      }
    }
  }
  for (const s of named(objects, 'Service')) {
    const spec = specOf<ServiceSpec>(s);
    const targets = ws.filter((w) => spec.selector && selects(spec.selector, w.labels));
    if (targets.length === 0) {
      problems.push(`Service ${s.metadata.name}: its selector matches no workload`);
      continue;
    }
    for (const p of spec.ports)
      for (const w of targets)
        if (containerPort(w, p.targetPort ?? p.port) === undefined)
          problems.push(
            `Service ${s.metadata.name}: targetPort ${p.targetPort} is not a port of ${w.name}`,
          );
  }
  for (const h of named(objects, 'HorizontalPodAutoscaler')) {
    const ref = specOf<{ scaleTargetRef: { kind: string; name: string } }>(h).scaleTargetRef;
    if (byName.get(ref.name)?.kind !== ref.kind)
      problems.push(
        `HorizontalPodAutoscaler ${h.metadata.name}: target ${ref.kind} ${ref.name} is not defined`,
      );
  }
  for (const so of named(objects, 'ScaledObject')) {
    const ref = specOf<{ scaleTargetRef: { name: string } }>(so).scaleTargetRef;
    if (byName.get(ref.name)?.kind !== 'Deployment')
      problems.push(
        `ScaledObject ${so.metadata.name}: target Deployment ${ref.name} is not defined`,
      );
  }
  for (const pdb of named(objects, 'PodDisruptionBudget')) {
    const sel = specOf<{ selector: { matchLabels: Labels } }>(pdb).selector.matchLabels;
    if (!ws.some((w) => selects(sel, w.labels)))
      problems.push(`PodDisruptionBudget ${pdb.metadata.name}: its selector matches no workload`);
  }
  return problems;
}

/**
 * What a production pod must be: pinned image tags (never `latest` or none), CPU and memory
 * requests and limits, non-root, no privilege escalation, no capabilities, no service-account
 * token, and a read-only root filesystem except for the containers in `writableRoot` (each
 * with its reason in deploy/kustomize/README.md).
 */
export function policyProblems(objects: K8sObject[], writableRoot: string[] = []): string[] {
  const problems: string[] = [];
  for (const a of named(objects, 'ServiceAccount'))
    if (a.automountServiceAccountToken !== false)
      problems.push(`ServiceAccount ${a.metadata.name}: mounts an API token`);
  for (const w of workloads(objects)) {
    if (w.pod.automountServiceAccountToken !== false)
      problems.push(`${w.name}: pod mounts a service-account token`);
    for (const c of w.pod.containers) {
      const where = `${w.name}/${c.name}`;
      const tag = /^(?:[^/]+\/)*[^/:@]+(?::([^/@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(c.image);
      if (!tag || (!tag[1] && !c.image.includes('@sha256:')))
        problems.push(`${where}: image ${c.image} has no pinned tag`);
      else if (tag[1] === 'latest') problems.push(`${where}: image ${c.image} uses latest`);
      for (const part of ['requests', 'limits'] as const)
        for (const resource of ['cpu', 'memory'])
          if (!c.resources?.[part]?.[resource])
            problems.push(`${where}: no ${resource} ${part.slice(0, -1)}`);
      const sc = c.securityContext ?? {};
      if (!(sc.runAsNonRoot ?? w.pod.securityContext?.runAsNonRoot))
        problems.push(`${where}: may run as root (runAsNonRoot)`);
      if (sc.allowPrivilegeEscalation !== false)
        problems.push(`${where}: allows privilege escalation`);
      if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${where}: keeps capabilities`);
      if (sc.readOnlyRootFilesystem !== true && !writableRoot.includes(where))
        problems.push(`${where}: root filesystem is writable`);
    }
  }
  return problems;
}

/** Env names whose values are addresses of something the process calls. */
export const ADDRESS_ENV = /_(ADDRESS|ADDRESSES|URL|ENDPOINT|CONTACT_POINTS)$/;

export interface Call {
  from: string;
  env: string;
  service: string;
  /** The port of the pods behind the Service. */
  podPort: number;
}

export interface AddressReport {
  problems: string[];
  /** Every in-cluster call the addresses describe (for the NetworkPolicy check). */
  calls: Call[];
}

export function envValue(objects: K8sObject[], e: EnvVar): string | undefined {
  if (e.value !== undefined) return e.value;
  const ref = e.valueFrom?.configMapKeyRef;
  if (!ref) return undefined;
  return objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.name)?.data?.[
    ref.key
  ];
}

function splitAddress(item: string): { host: string; port: number } | undefined {
  const url = /^([a-z][a-z0-9+.-]*):\/\/([^/:]+)(?::(\d+))?(?:\/.*)?$/.exec(item);
  if (url) {
    const port = url[3]
      ? Number(url[3])
      : ({ http: 80, https: 443 } as Record<string, number>)[url[1]!];
    return port === undefined ? undefined : { host: url[2]!, port };
  }
  const hostPort = /^([^/:\s]+):(\d+)$/.exec(item);
  return hostPort ? { host: hostPort[1]!, port: Number(hostPort[2]) } : undefined;
}

/**
 * Resolves every address env (ADDRESS_ENV) of every container: a Service of the overlay and
 * one of its ports, a StatefulSet pod behind a headless Service (`cassandra-0.cassandra`), a
 * loopback port a sibling container of the same pod listens on, or a host in `externalHosts`.
 * Anything else is a dangling address.
 */
export function resolveAddresses(
  objects: K8sObject[],
  externalHosts: string[] = [],
): AddressReport {
  const problems: string[] = [];
  const calls: Call[] = [];
  const services = new Map(
    named(objects, 'Service').map((s) => [s.metadata.name, specOf<ServiceSpec>(s)]),
  );
  const ws = workloads(objects);
  for (const w of ws) {
    for (const c of w.pod.containers) {
      for (const e of c.env ?? []) {
        if (!ADDRESS_ENV.test(e.name)) continue;
        const where = `${w.name}/${c.name} ${e.name}`;
        const value = envValue(objects, e);
        if (value === undefined) {
          problems.push(`${where}: no value`);
          continue;
        }
        for (const raw of value.split(',')) {
          const item = e.name.endsWith('_ADDRESSES') ? raw.replace(/^[a-z0-9-]+=/, '') : raw;
          const address = splitAddress(item.trim());
          if (!address) {
            problems.push(`${where}: '${raw}' is not host:port or a URL`);
            continue;
          }
          const problem = resolveOne(address, w, c, services, ws, externalHosts, (call) =>
            calls.push({ from: w.name, env: e.name, ...call }),
          );
          if (problem) problems.push(`${where}: ${item} ${problem}`);
        }
      }
    }
  }
  return { problems, calls };
}

function resolveOne(
  { host, port }: { host: string; port: number },
  w: Workload,
  self: Container,
  services: Map<string, ServiceSpec>,
  ws: Workload[],
  externalHosts: string[],
  record: (call: Omit<Call, 'from' | 'env'>) => void,
): string | undefined {
  if (host === '127.0.0.1' || host === 'localhost') {
    const sibling = w.pod.containers.some(
      (c) =>
        c !== self &&
        ((c.ports ?? []).some((p) => p.containerPort === port) ||
          (c.args ?? []).some((a) => a.endsWith(`:${port}`))),
    );
    return sibling ? undefined : 'is loopback, and no other container of the pod listens there';
  }
  const labels = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  let serviceName: string;
  let podOrdinal: { set: string; ordinal: number } | undefined;
  if (labels.length === 1) serviceName = labels[0]!;
  else if (labels.length === 2 && services.has(labels[1]!)) {
    // <pod>.<headless service>
    serviceName = labels[1]!;
    const m = /^(.+)-(\d+)$/.exec(labels[0]!);
    if (!m) return `names pod ${labels[0]} of ${serviceName}, not a StatefulSet pod name`;
    podOrdinal = { set: m[1]!, ordinal: Number(m[2]) };
  } else if (externalHosts.includes(host)) return undefined;
  else return 'names neither a Service of the overlay nor a known external host';
  const service = services.get(serviceName);
  if (!service) return `names Service ${serviceName}, which the overlay does not define`;
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort) return `uses port ${port}, which Service ${serviceName} does not expose`;
  const targets = ws.filter((t) => service.selector && selects(service.selector, t.labels));
  if (podOrdinal) {
    const set = ws.find((t) => t.kind === 'StatefulSet' && t.name === podOrdinal!.set);
    if (!set || set.serviceName !== serviceName || service.clusterIP !== 'None')
      return `names a pod of ${podOrdinal.set}, which is no StatefulSet behind headless Service ${serviceName}`;
    if (podOrdinal.ordinal >= set.replicas)
      return `names pod ${podOrdinal.ordinal} of ${set.name}, which has ${set.replicas} replicas`;
  }
  const target = targets[0];
  const podPort = target && containerPort(target, servicePort.targetPort ?? servicePort.port);
  if (podPort === undefined) return `reaches no pod port behind Service ${serviceName}`;
  record({ service: serviceName, podPort });
  return undefined;
}

interface PolicyPeer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: unknown;
  ipBlock?: unknown;
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: Array<{ port?: number }>;
}
interface PolicySpec {
  podSelector: { matchLabels?: Labels };
  policyTypes: Array<'Ingress' | 'Egress'>;
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

/**
 * Whether the NetworkPolicies let a pod labelled `from` open a connection to a pod labelled
 * `to` on `port` in the same namespace: allowed out of `from` (no policy selects it for
 * egress, or a rule of one that does names `to` and the port) and into `to` likewise.
 */
export function networkAllows(
  objects: K8sObject[],
  from: Labels,
  to: Labels,
  port: number,
): boolean {
  const policies = named(objects, 'NetworkPolicy').map((p) => specOf<PolicySpec>(p));
  const direction = (type: 'Ingress' | 'Egress', self: Labels, peer: Labels) => {
    const applying = policies.filter(
      (p) => p.policyTypes.includes(type) && selects(p.podSelector.matchLabels ?? {}, self),
    );
    if (applying.length === 0) return true;
    return applying.some((p) =>
      (type === 'Ingress' ? p.ingress : p.egress)?.some((rule) => {
        const peers = type === 'Ingress' ? rule.from : rule.to;
        const peerOk =
          peers === undefined ||
          peers.some(
            (x) =>
              x.podSelector !== undefined &&
              x.namespaceSelector === undefined &&
              x.ipBlock === undefined &&
              selects(x.podSelector.matchLabels ?? {}, peer),
          );
        const portOk = rule.ports === undefined || rule.ports.some((p) => p.port === port);
        return peerOk && portOk;
      }),
    );
  };
  return direction('Egress', from, to) && direction('Ingress', to, from);
}

/** The calls (from resolveAddresses) the NetworkPolicies would drop. */
export function blockedCalls(objects: K8sObject[], calls: Call[]): string[] {
  const ws = workloads(objects);
  const services = new Map(
    named(objects, 'Service').map((s) => [s.metadata.name, specOf<ServiceSpec>(s)]),
  );
  const problems: string[] = [];
  for (const call of calls) {
    const from = ws.find((w) => w.name === call.from)!;
    const selector = services.get(call.service)?.selector ?? {};
    for (const to of ws.filter((w) => selects(selector, w.labels)))
      if (!networkAllows(objects, from.labels, to.labels, call.podPort))
        problems.push(`${call.from} → ${call.service}:${call.podPort} (${call.env}) is blocked`);
  }
  return problems;
}

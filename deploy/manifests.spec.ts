/**
 * The Kubernetes manifests as an operator applies them: both overlays rendered by a current
 * kustomize (tools/infra/kustomize.sh, built from the Go module proxy on first use), every
 * object validated against the Kubernetes and KEDA OpenAPI schemas offline, then the checks
 * of deploy/checks.ts — consistency, production policy, addresses, NetworkPolicies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_JOB_KINDS } from '@poppy/jobs';
import {
  blockedCalls,
  consistencyProblems,
  envValue,
  networkAllows,
  policyProblems,
  resolveAddresses,
  workloads,
  type K8sObject,
  type Workload,
} from './checks';
import { OVERLAYS, REPO_ROOT, renderOverlay, schemaProblems, type Overlay } from './render';

/** Every process of the repository: gateway and each services/<name> with a main.ts. */
const PROCESSES = [
  'gateway',
  ...fs
    .readdirSync(path.join(REPO_ROOT, 'services'))
    .filter((name) => fs.existsSync(path.join(REPO_ROOT, 'services', name, 'src/main.ts'))),
];
/** Processes that hold state of their own and run as one pod (see their base manifests). */
const SINGLE_POD = ['certificates', 'provider-varnish'];
/** Hosts outside the cluster that production calls. */
const EXTERNAL_HOSTS = ['acme-v02.api.letsencrypt.org'];
/** Containers whose root filesystem stays writable, with the reason in deploy/kustomize/README.md. */
const WRITABLE_ROOT = ['cassandra/cassandra'];

const rendered = {} as Record<Overlay, K8sObject[]>;
beforeAll(() => {
  for (const overlay of OVERLAYS) rendered[overlay] = renderOverlay(overlay);
}, 600_000);

const workload = (overlay: Overlay, name: string): Workload => {
  const w = workloads(rendered[overlay]).find((x) => x.name === name);
  if (!w) throw new Error(`${overlay}: no workload ${name}`);
  return w;
};
const env = (overlay: Overlay, name: string, container: string, key: string) => {
  const c = workload(overlay, name).pod.containers.find((x) => x.name === container)!;
  const e = (c.env ?? []).find((x) => x.name === key);
  return e && envValue(rendered[overlay], e);
};
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  it('renders objects that are valid against the Kubernetes and KEDA schemas', () => {
    expect(rendered[overlay].length).toBeGreaterThan(20);
    expect(schemaProblems(rendered[overlay])).toEqual([]);
  });

  it('agrees with itself: selectors, Service ports, probes, autoscalers, budgets, references', () => {
    expect(consistencyProblems(rendered[overlay])).toEqual([]);
  });

  it('gives every process only addresses of Services it defines', () => {
    const { problems, calls } = resolveAddresses(rendered[overlay], EXTERNAL_HOSTS);
    expect(problems).toEqual([]);
    // provisioning reaches every provider adapter the overlay runs, dns and certificates.
    const adapters = PROCESSES.filter((p) => p.startsWith('provider-')).filter((p) =>
      workloads(rendered[overlay]).some((w) => w.name === `poppy-${p}`),
    );
    const called = calls.filter((c) => c.from === 'poppy-provisioning').map((c) => c.service);
    expect(called).toEqual(
      expect.arrayContaining([
        'poppy-catalog',
        'poppy-dns',
        'poppy-certificates',
        ...adapters.map((a) => `poppy-${a}`),
      ]),
    );
  });

  it('lets the gateway and catalog accept exactly the providers provisioning has adapters for', () => {
    const adapters = env(overlay, 'poppy-provisioning', 'provisioning', 'POPPY_PROVIDER_ADDRESSES')!
      .split(',')
      .map((entry) => entry.split('=')[0])
      .sort();
    for (const [name, container] of [
      ['poppy-gateway', 'gateway'],
      ['poppy-catalog', 'catalog'],
    ])
      expect(env(overlay, name, container, 'POPPY_PROVIDERS')!.split(',').sort()).toEqual(adapters);
  });

  it('probes the gateway shallowly for liveness and deeply (store and queue) for readiness', () => {
    const gateway = workload(overlay, 'poppy-gateway').pod.containers[0]!;
    expect(gateway.readinessProbe?.httpGet?.path).toBe('/v1.0/ping');
    expect(gateway.livenessProbe?.httpGet?.path).not.toBe('/v1.0/ping');
  });
});

describe('the production overlay', () => {
  const prod = () => rendered.production;

  it('runs every process but the mock provider, NATS, Cassandra and the collector', () => {
    const names = workloads(prod()).map((w) => w.name);
    for (const p of PROCESSES.filter((p) => p !== 'provider-mock'))
      expect(names).toContain(`poppy-${p}`);
    expect(names).not.toContain('poppy-provider-mock');
    expect(workload('production', 'nats')).toMatchObject({ kind: 'StatefulSet', replicas: 3 });
    expect(workload('production', 'cassandra')).toMatchObject({ kind: 'StatefulSet', replicas: 3 });
    expect(names).toContain('otel-collector');
  });

  it('runs at least two spread replicas of every stateless process, each with a disruption budget', () => {
    const budgets = prod().filter((o) => o.kind === 'PodDisruptionBudget');
    for (const p of PROCESSES.filter((p) => p !== 'provider-mock' && !SINGLE_POD.includes(p))) {
      const w = workload('production', `poppy-${p}`);
      expect(w.replicas).toBeGreaterThanOrEqual(2);
      expect(w.pod.topologySpreadConstraints?.length).toBeGreaterThan(0);
      expect(w.pod.affinity?.podAntiAffinity).toBeDefined();
      expect(budgets.map((b) => b.metadata.name)).toContain(`poppy-${p}`);
    }
  });

  it('keeps the catalog on Cassandra with RF 3 over the 3 nodes and quorum reads and writes', () => {
    const cassandra = workload('production', 'cassandra');
    const catalog = (key: string) => env('production', 'poppy-catalog', 'catalog', key);
    expect(catalog('POPPY_STORE')).toBe('cassandra');
    expect(catalog('POPPY_CASSANDRA_REPLICATION')).toBe(
      `NetworkTopologyStrategy:dc1=${cassandra.replicas}`,
    );
    const dc = cassandra.pod.containers[0]!.env!.find((e) => e.name === 'CASSANDRA_DC')!.value;
    expect(catalog('POPPY_CASSANDRA_LOCAL_DC')).toBe(dc);
    expect(catalog('POPPY_CASSANDRA_READ_CONSISTENCY')).toBe('LOCAL_QUORUM');
    expect(catalog('POPPY_CASSANDRA_WRITE_CONSISTENCY')).toBe('LOCAL_QUORUM');
    expect(catalog('POPPY_CASSANDRA_CONTACT_POINTS')!.split(',')).toHaveLength(cassandra.replicas);
  });

  it('puts the queue on NATS with the jobs stream replicated on every node', () => {
    const nats = workload('production', 'nats');
    for (const [name, container] of [
      ['poppy-catalog', 'catalog'],
      ['poppy-provisioning', 'provisioning'],
    ]) {
      expect(env('production', name, container, 'POPPY_QUEUE')).toBe('nats');
      expect(env('production', name, container, 'POPPY_NATS_STREAM_REPLICAS')).toBe(
        String(nats.replicas),
      );
    }
  });

  it('scales provisioning on the jobs waiting on each of its consumers (KEDA) and the gateway on CPU', () => {
    const scaled = prod().find((o) => o.kind === 'ScaledObject')!;
    const triggers = (
      scaled.spec!.triggers as Array<{ type: string; metadata: Record<string, string> }>
    )
      .filter((t) => t.type === 'nats-jetstream')
      .map((t) => t.metadata.consumer)
      .sort();
    // Consumer names are <durable>_<kind> (libs/jobs/src/drivers/nats-job-queue.ts) for the
    // kinds provisioning takes (SERVICE_JOB_KINDS, libs/jobs/src/service-jobs.ts).
    expect(triggers).toEqual(SERVICE_JOB_KINDS.map((k) => `poppy-provisioning_${k}`).sort());
    const hpa = prod().find(
      (o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'poppy-gateway',
    )!;
    expect(JSON.stringify(hpa.spec!.metrics)).toContain('"cpu"');
  });

  it('meets the policy: pinned images, requests and limits, non-root, read-only root, no token', () => {
    expect(policyProblems(prod(), WRITABLE_ROOT)).toEqual([]);
  });

  it('lets every call through its NetworkPolicies, and nothing the processes do not call', () => {
    const { calls } = resolveAddresses(prod(), EXTERNAL_HOSTS);
    expect(calls.length).toBeGreaterThan(10);
    expect(blockedCalls(prod(), calls)).toEqual([]);
    const labels = (name: string) => workload('production', name).labels;
    expect(networkAllows(prod(), labels('poppy-gateway'), labels('cassandra'), 9042)).toBe(false);
    expect(networkAllows(prod(), labels('poppy-gateway'), labels('nats'), 4222)).toBe(false);
    expect(
      networkAllows(prod(), labels('poppy-provider-cloudfront'), labels('poppy-catalog'), 50051),
    ).toBe(false);
  });
});

describe('the dev overlay', () => {
  it('runs one replica of every process, the mock provider included, on SQLite', () => {
    for (const p of PROCESSES) expect(workload('dev', `poppy-${p}`).replicas).toBe(1);
    expect(env('dev', 'poppy-catalog', 'catalog', 'POPPY_STORE')).toBe('sqlite');
    expect(env('dev', 'poppy-provisioning', 'provisioning', 'POPPY_QUEUE')).toBe('sqlite');
    const claims = (name: string) =>
      workload('dev', name).pod.volumes?.map((v) => v.persistentVolumeClaim?.claimName);
    expect(claims('poppy-catalog')).toContain('poppy-data');
    expect(claims('poppy-provisioning')).toContain('poppy-data');
  });
});

describe('the checks catch broken manifests', () => {
  const deployment = (objects: K8sObject[], name: string) =>
    objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
  const podSpec = (d: K8sObject) =>
    (d.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template
      .spec;

  it('schema validation rejects a container port that is not a number and a container without a name', () => {
    const broken = clone(rendered.production);
    const gateway = podSpec(deployment(broken, 'poppy-gateway'));
    (gateway.containers[0]!.ports as Array<{ containerPort: unknown }>)[0]!.containerPort = 'http';
    delete gateway.containers[0]!.name;
    const problems = schemaProblems(broken);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'Deployment', name: 'poppy-gateway' });
    expect(problems[0]!.message).toMatch(/containerPort must be integer|required property name/);
    expect(
      schemaProblems([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]),
    ).toEqual([expect.objectContaining({ message: 'no schema for example.com/v1 Widget' })]);
  });

  it('the address check reports an address no Service answers', () => {
    const broken = clone(rendered.production);
    const c = podSpec(deployment(broken, 'poppy-gateway')).containers[0] as {
      env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
    };
    c.env.push({ name: 'POPPY_CATALOG_ADDRESS', value: 'poppy-katalog:50051' });
    c.env.push({ name: 'POPPY_OTEL_ENDPOINT', value: 'http://otel-collector:9999' });
    c.env.push({ name: 'POPPY_EXTRA_URL', value: 'nats://nats-7.nats:4222' });
    const { problems } = resolveAddresses(broken, EXTERNAL_HOSTS);
    expect(problems).toEqual([
      expect.stringMatching(
        /poppy-katalog:50051 names Service poppy-katalog, which the overlay does not define/,
      ),
      expect.stringMatching(/otel-collector:9999 uses port 9999/),
      expect.stringMatching(/nats-7\.nats:4222 names pod 7 of nats, which has 3 replicas/),
    ]);
  });

  it('the policy and consistency checks report a latest image, a missing limit, root and a wrong probe port', () => {
    const broken = clone(rendered.production);
    const c = podSpec(deployment(broken, 'poppy-catalog')).containers[0] as Record<
      string,
      unknown
    > & {
      resources: { limits: Record<string, string> };
      securityContext: Record<string, unknown>;
      readinessProbe: { grpc: { port: number } };
    };
    c.image = 'ghcr.io/poppy-ts/catalog:latest';
    delete c.resources.limits.memory;
    c.securityContext.readOnlyRootFilesystem = false;
    c.readinessProbe.grpc.port = 1234;
    expect(policyProblems(broken, WRITABLE_ROOT)).toEqual([
      'poppy-catalog/catalog: image ghcr.io/poppy-ts/catalog:latest uses latest',
      'poppy-catalog/catalog: no memory limit',
      'poppy-catalog/catalog: root filesystem is writable',
    ]);
    expect(consistencyProblems(broken)).toEqual([
      'Deployment poppy-catalog/catalog: readinessProbe port 1234 is not a port of the container',
    ]);
  });
});

/**
 * The Kubernetes manifests are not run here (no cluster); this checks what can be checked
 * without one: every process has a Deployment, Service, HPA and PDB whose selectors and
 * targets agree, probes point at declared ports, and every process has an image build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const dir = path.join(__dirname, 'k8s');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const processes = ['gateway', ...fs.readdirSync(path.join(__dirname, '../services'))].filter(
  (name) =>
    fs.existsSync(
      path.join(
        __dirname,
        '..',
        name === 'gateway' ? 'gateway' : `services/${name}`,
        'src/main.ts',
      ),
    ),
);

type Doc = {
  kind: string;
  metadata: { name: string };
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};

const docsOf = (file: string): Doc[] =>
  parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Doc;
  });

describe('Kubernetes manifests', () => {
  it.each(processes)('exist for %s', (name) => {
    expect(files).toContain(`${name}.yaml`);
  });

  it.each(files)('%s: Deployment, Service, HPA and PDB agree with each other', (file) => {
    const docs = docsOf(file);
    const byKind = Object.fromEntries(docs.map((d) => [d.kind, d]));
    expect(Object.keys(byKind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
    const deployment = byKind.Deployment;
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels))
      expect(labels[k]).toBe(v);
    for (const [k, v] of Object.entries(byKind.Service.spec.selector)) expect(labels[k]).toBe(v);
    for (const [k, v] of Object.entries(byKind.PodDisruptionBudget.spec.selector.matchLabels))
      expect(labels[k]).toBe(v);
    expect(byKind.HorizontalPodAutoscaler.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    const container = deployment.spec.template.spec.containers[0];
    const portNames = container.ports.map((p: { name: string }) => p.name);
    for (const p of byKind.Service.spec.ports) expect(portNames).toContain(p.targetPort);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      const port = probe.httpGet?.port ?? probe.grpc?.port;
      expect(
        typeof port === 'number'
          ? container.ports.map((p: { containerPort: number }) => p.containerPort)
          : portNames,
      ).toContain(port);
    }
  });

  it('has one Dockerfile building any process by name', () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/ARG SERVICE/);
    expect(dockerfile).toMatch(/dist\/\$\{SERVICE\}/);
  });
});

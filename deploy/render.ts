/**
 * Renders a kustomize overlay with the kustomize that tools/infra/kustomize.sh builds from the
 * Go module proxy (installed on first use, cached under ~/.cache/poppy-ts/kustomize), and validates
 * objects against the Kubernetes OpenAPI schemas offline (tools/infra/k8s-validate.mjs).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './checks';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const OVERLAYS = ['dev', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** Every object `kustomize build deploy/kustomize/overlays/<overlay>` renders. */
export function renderOverlay(overlay: Overlay): K8sObject[] {
  const yaml = execFileSync(
    'bash',
    [
      path.join(REPO_ROOT, 'tools/infra/kustomize.sh'),
      'build',
      `deploy/kustomize/overlays/${overlay}`,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 },
  );
  return parseManifests(yaml, overlay);
}

export function parseManifests(yaml: string, source: string): K8sObject[] {
  return parseAllDocuments(yaml).map((doc) => {
    if (doc.errors.length)
      throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as K8sObject;
  });
}

export interface SchemaProblem {
  index: number;
  kind: string;
  name: string;
  message: string;
}

/** The objects that break the Kubernetes (and KEDA) OpenAPI schemas, with the reason. */
export function schemaProblems(objects: unknown[]): SchemaProblem[] {
  const out = execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'tools/infra/k8s-validate.mjs')],
    { cwd: REPO_ROOT, input: JSON.stringify(objects), encoding: 'utf8', timeout: 120_000 },
  );
  return JSON.parse(out) as SchemaProblem[];
}

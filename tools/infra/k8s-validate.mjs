#!/usr/bin/env node
// Validates Kubernetes objects offline against the OpenAPI schemas of the Kubernetes API
// (npm `kubernetes-models`, generated from the API's OpenAPI document) and of KEDA's CRDs
// (`@kubernetes-models/keda`). Those packages are ES modules, so this runs as its own Node
// process: deploy/k8s-render.ts calls it from jest.
//
//   node tools/infra/k8s-validate.mjs < objects.json
//
// stdin: a JSON array of objects. stdout: a JSON array of problems, one per invalid object:
// { index, kind, name, message }. An object whose apiVersion/kind has no schema here is a
// problem too, so nothing passes unchecked.
import fs from 'node:fs';
import process from 'node:process';

/** apiVersion → the package path it lives under (`<group>/<version>`, core `v1`). */
function modulePath(apiVersion, kind) {
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function validate(object, index) {
  const { apiVersion, kind } = object ?? {};
  const name = object?.metadata?.name;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return { index, kind, name, message: 'apiVersion and kind are required' };
  let Model;
  try {
    Model = (await import(modulePath(apiVersion, kind)))[kind];
  } catch {
    return { index, kind, name, message: `no schema for ${apiVersion} ${kind}` };
  }
  try {
    new Model(object).validate();
    return undefined;
  } catch (err) {
    return { index, kind, name, message: err instanceof Error ? err.message : String(err) };
  }
}

const objects = JSON.parse(fs.readFileSync(0, 'utf8'));
if (!Array.isArray(objects)) throw new Error('expected a JSON array of objects on stdin');
const problems = (await Promise.all(objects.map(validate))).filter(Boolean);
process.stdout.write(JSON.stringify(problems));

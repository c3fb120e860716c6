/**
 * No Docker engine runs here, so the image rules are checked on the Dockerfile itself, and the
 * part of the build that decides what an image holds (tools/image-deps.js) runs for real.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './render';

// tools/image-deps.js is CommonJS tooling run by the Dockerfile; its functions are tested here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const imageDeps = require('../tools/image-deps.js') as {
  requiredPackages(bundle: string): string[];
  closure(names: string[]): string[];
};

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** What the image rules of docs/adr/0010-kubernetes.md forbid or require; [] when all hold. */
function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const all = parseDockerfile(text);
  const args = new Map<string, string>();
  for (const i of all.filter((x) => x.keyword === 'ARG')) {
    const [name, value] = i.args.split('=');
    args.set(name!, value ?? '');
  }
  const froms = all.filter((i) => i.keyword === 'FROM');
  for (const from of froms) {
    const image = from.args
      .split(/\s+/)[0]!
      .replace(/^\$\{(\w+)\}$/, (_, a: string) => args.get(a) ?? '');
    if (!/^node:24\.\d+\.\d+(-[a-z0-9-]+)?$/.test(image))
      problems.push(
        `FROM ${from.args}: not node:24 pinned to a full version (${image || 'unset'})`,
      );
  }
  const lastFrom = all.lastIndexOf(froms[froms.length - 1]!);
  const final = all.slice(lastFrom + 1);
  if (all.some((i) => i.keyword === 'HEALTHCHECK'))
    problems.push('HEALTHCHECK: probes are the cluster’s');
  const user = final.filter((i) => i.keyword === 'USER').pop();
  if (!user || /^(root|0)(:|$)/.test(user.args)) problems.push('the final stage runs as root');
  const labels = final
    .filter((i) => i.keyword === 'LABEL')
    .map((i) => i.args)
    .join(' ');
  for (const key of ['title', 'source', 'licenses', 'version', 'revision'])
    if (!labels.includes(`org.opencontainers.image.${key}=`))
      problems.push(`no OCI label org.opencontainers.image.${key}`);
  for (const copy of final.filter((i) => i.keyword === 'COPY')) {
    if (!copy.args.includes('--from='))
      problems.push(`COPY ${copy.args}: from the host into the runtime image`);
    if (/node_modules/.test(copy.args)) problems.push(`COPY ${copy.args}: a whole node_modules`);
  }
  return problems;
}

const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');

describe('deploy/Dockerfile', () => {
  it('builds any process small, on a pinned Node 24, labelled, as a non-root user, without HEALTHCHECK', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
    expect(dockerfile).toMatch(/ARG SERVICE/);
    expect(dockerfile).toMatch(/tools\/image-deps\.js "\$\{SERVICE\}" --copy/);
  });

  it('reports each rule a broken Dockerfile breaks', () => {
    const broken = [
      'FROM node:latest AS build',
      'FROM node:20-bookworm-slim',
      'COPY --from=build /src/node_modules ./node_modules',
      'COPY . .',
      'HEALTHCHECK CMD true',
      'USER root',
    ].join('\n');
    expect(dockerfileProblems(broken)).toEqual([
      'FROM node:latest AS build: not node:24 pinned to a full version (node:latest)',
      'FROM node:20-bookworm-slim: not node:24 pinned to a full version (node:20-bookworm-slim)',
      'HEALTHCHECK: probes are the cluster’s',
      'the final stage runs as root',
      ...['title', 'source', 'licenses', 'version', 'revision'].map(
        (k) => `no OCI label org.opencontainers.image.${k}`,
      ),
      'COPY --from=build /src/node_modules ./node_modules: a whole node_modules',
      'COPY . .: from the host into the runtime image',
    ]);
  });

  it('keeps host node_modules, data and caches out of the build context', () => {
    const ignored = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', '.data', '.cache', 'dist'])
      expect(ignored).toContain(entry);
  });
});

describe('tools/image-deps.js', () => {
  it('finds the npm packages a bundle requires, not builtins or its own files', () => {
    const bundle = [
      'var a = require("node:fs"), b = require("path");',
      'var c = require("@grpc/grpc-js"), d = require("@bufbuild/protobuf/wire");',
      'var e = require("better-sqlite3"), f = require("./local");',
      'Promise.resolve().then(() => __toESM(require("cassandra-driver")));',
    ].join('\n');
    expect(imageDeps.requiredPackages(bundle)).toEqual([
      '@bufbuild/protobuf',
      '@grpc/grpc-js',
      'better-sqlite3',
      'cassandra-driver',
    ]);
  });

  it('takes a package with its installed dependencies and nothing of the dev tooling', () => {
    const dirs = imageDeps.closure(['better-sqlite3']).map((d) => path.relative(REPO_ROOT, d));
    expect(dirs).toEqual(
      expect.arrayContaining(['node_modules/better-sqlite3', 'node_modules/bindings']),
    );
    expect(dirs.some((d) => /node_modules\/(jest|esbuild|typescript)$/.test(d))).toBe(false);
    expect(() => imageDeps.closure(['no-such-package-here'])).toThrow(/is not installed/);
  });
});

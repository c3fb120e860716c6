#!/usr/bin/env node
// Bundles every process (gateway, services/*) into dist/<name>/main.js with esbuild.
// Path aliases (@poppy/*) come from tsconfig; npm dependencies stay external (node_modules).
// Type checking is separate (`npm run typecheck`): this build only transpiles, fast.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));

function entryPoints() {
  const entries = { gateway: path.join(root, 'gateway/src/main.ts') };
  for (const name of fs.readdirSync(path.join(root, 'services'))) {
    const main = path.join(root, 'services', name, 'src/main.ts');
    if (fs.existsSync(main)) entries[name] = main;
  }
  // Benchmarks (tools/bench/<name>/main.ts) build the same way, as dist/bench-<name>.
  for (const name of fs.readdirSync(path.join(root, 'tools/bench'))) {
    const main = path.join(root, 'tools/bench', name, 'main.ts');
    if (fs.existsSync(main)) entries[`bench-${name}`] = main;
  }
  // Vendor fakes (tools/fakes/<vendor>/main.ts) run as processes for benchmarks: dist/fake-<vendor>.
  const fakes = path.join(root, 'tools/fakes');
  for (const name of fs.existsSync(fakes) ? fs.readdirSync(fakes) : []) {
    const main = path.join(fakes, name, 'main.ts');
    if (fs.existsSync(main)) entries[`fake-${name}`] = main;
  }
  return entries;
}

async function build() {
  const started = Date.now();
  const entries = entryPoints();
  await Promise.all(
    Object.entries(entries).map(([name, entry]) =>
      esbuild.build({
        entryPoints: [entry],
        outfile: path.join(root, 'dist', name, 'main.js'),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: true,
        external: [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)],
        tsconfig: path.join(root, 'tsconfig.json'),
        logLevel: 'warning',
      }),
    ),
  );
  process.stdout.write(`built ${Object.keys(entries).join(', ')} in ${Date.now() - started} ms\n`);
}

build().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});

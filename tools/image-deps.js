#!/usr/bin/env node
// What one process needs at run time, for its image (deploy/Dockerfile): its bundle
// dist/<name>/ (tools/build.js) and the npm packages the bundle leaves external — only those
// it requires, with their own dependencies, taken from the installed node_modules (so the
// image runs exactly the locked versions, native builds such as better-sqlite3's included).
//
//   node tools/image-deps.js <name> --copy <dir>   <dir>/main.js(+map) and <dir>/node_modules
//   node tools/image-deps.js <name> --list          the package directories, one a line
//   node tools/image-deps.js --sizes                bundle + package bytes per process (docs/images.md)
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const root = path.resolve(__dirname, '..');
const BUILTIN = new Set(builtinModules);

/** Top-level package names the bundle requires (`require("x")`, `require("@s/x/sub")`). */
function requiredPackages(bundle) {
  const names = new Set();
  for (const [, spec] of bundle.matchAll(/require\("([^"]+)"\)/g)) {
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
    const parts = spec.split('/');
    const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (!BUILTIN.has(name)) names.add(name);
  }
  return [...names].sort();
}

/** Node's lookup: node_modules/<name> in `fromDir` and each folder above it, up to the root. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || path.dirname(dir) === dir) return undefined;
  }
}

/** The package directories `names` need, their dependencies' included (optional ones if installed). */
function closure(names) {
  const found = new Set();
  const visit = (name, fromDir, optional) => {
    const dir = resolvePackage(name, fromDir);
    if (!dir) {
      if (optional) return;
      throw new Error(
        `${name} (needed from ${path.relative(root, fromDir) || '.'}) is not installed`,
      );
    }
    if (found.has(dir)) return;
    found.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
    // Peers are the host's to provide; taken when installed (e.g. @opentelemetry/api).
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of names) visit(name, root, false);
  return [...found].sort();
}

function packagesOf(name) {
  const bundle = path.join(root, 'dist', name, 'main.js');
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node tools/build.js\``);
  return closure(requiredPackages(fs.readFileSync(bundle, 'utf8')));
}

/** Bytes under `dir`, leaving out nested node_modules (each package is counted once, by itself). */
function bytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += bytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

function copy(name, dest) {
  fs.mkdirSync(dest, { recursive: true });
  fs.cpSync(path.join(root, 'dist', name), dest, { recursive: true });
  for (const dir of packagesOf(name)) {
    fs.cpSync(dir, path.join(dest, path.relative(root, dir)), {
      recursive: true,
      filter: (src) => !path.relative(dir, src).split(path.sep).includes('node_modules'),
    });
  }
}

function processes() {
  return ['gateway', ...fs.readdirSync(path.join(root, 'services'))].filter((n) =>
    fs.existsSync(path.join(root, 'dist', n, 'main.js')),
  );
}

function main(argv) {
  const [name, flag, dest] = argv;
  if (name === '--sizes') {
    const mb = (n) => (n / 1024 / 1024).toFixed(1);
    process.stdout.write(
      '| process | bundle MiB | runtime packages | packages MiB | total MiB |\n',
    );
    process.stdout.write('|---|---:|---:|---:|---:|\n');
    for (const p of processes()) {
      const dirs = packagesOf(p);
      const bundle = bytes(path.join(root, 'dist', p));
      const deps = dirs.reduce((sum, d) => sum + bytes(d), 0);
      process.stdout.write(
        `| ${p} | ${mb(bundle)} | ${dirs.length} | ${mb(deps)} | ${mb(bundle + deps)} |\n`,
      );
    }
    return;
  }
  if (!name || !['--copy', '--list'].includes(flag) || (flag === '--copy' && !dest)) {
    process.stderr.write('usage: image-deps.js <name> --copy <dir> | <name> --list | --sizes\n');
    process.exit(2);
  }
  if (flag === '--list') {
    for (const dir of packagesOf(name)) process.stdout.write(`${path.relative(root, dir)}\n`);
  } else copy(name, path.resolve(dest));
}

if (require.main === module) main(process.argv.slice(2));
module.exports = { requiredPackages, closure, packagesOf };

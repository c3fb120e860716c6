#!/usr/bin/env node
// Fails when the committed generated contracts differ from what proto/ generates now,
// or when buf lint finds a problem. Generates into a temporary directory: the work tree
// is never touched.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const buf = path.join(root, 'node_modules/.bin/buf');
const committed = path.join(root, 'libs/contracts/src/gen');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-contracts-'));

function listFiles(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

try {
  execFileSync(buf, ['lint'], { cwd: root, stdio: 'inherit' });
  execFileSync(buf, ['generate', '-o', tmp], { cwd: root, stdio: 'inherit' });
  const fresh = path.join(tmp, 'libs/contracts/src/gen');
  const a = listFiles(committed).sort();
  const b = listFiles(fresh).sort();
  const problems = [];
  for (const f of new Set([...a, ...b])) {
    const x = path.join(committed, f);
    const y = path.join(fresh, f);
    if (!fs.existsSync(x)) problems.push(`missing from the commit: ${f}`);
    else if (!fs.existsSync(y)) problems.push(`no longer generated: ${f}`);
    else if (fs.readFileSync(x, 'utf8') !== fs.readFileSync(y, 'utf8'))
      problems.push(`out of date: ${f}`);
  }
  if (problems.length > 0) {
    process.stderr.write(
      `generated contracts differ from proto/ — run \`npm run contracts\`:\n  ${problems.join('\n  ')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`contracts: buf lint clean, ${a.length} generated files current\n`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

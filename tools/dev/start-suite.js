#!/usr/bin/env node
// `npm start`: runs the whole suite on embedded defaults from dist/ (built just before):
// catalog (SQLite under ./.data, outbox relayed to the SQLite job queue ./.data/jobs.sqlite),
// the mock provider on :50061, the dns service on :50091 (manual driver: records nothing and
// reports the CNAMEs the operator must create), certificates on :50081 (local issuer: an
// internal CA kept in ./.data, see README "Configuration"), provisioning (takes the jobs, calls
// the provider, the dns and certificates services, writes provider details back) and the
// gateway on :8888. Ctrl-C / SIGTERM stops them
// in reverse order; if one process dies the others are stopped and the exit code is kept.
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
// Order matters: each process starts once the previous one is ready.
const PROCESSES = ['catalog', 'provider-mock', 'dns', 'certificates', 'provisioning', 'gateway'];
// Provisioning maps operator CNAMEs through the dns service, and provisioning and the gateway
// reach the certificates service (unless told otherwise).
const ENV = {
  POPPY_DNS_ADDRESS: `127.0.0.1:${process.env.POPPY_DNS_PORT || 50091}`,
  POPPY_CERTIFICATES_ADDRESS: `127.0.0.1:${process.env.POPPY_CERTIFICATES_PORT || 50081}`,
  POPPY_CERTIFICATES_ISSUER: 'local',
  ...process.env,
};

const children = [];
let stopping = false;

function start(name) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', path.join(root, 'dist', name, 'main.js')],
      {
        cwd: root,
        env: ENV,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push({ name, child });
    let ready = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      if (!ready && chunk.includes(`"${name} ready"`)) {
        ready = true;
        resolve();
      }
    });
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
      else if (!stopping) {
        process.stderr.write(`${name} exited (${code ?? signal}); stopping the suite\n`);
        stopAll(code || 1);
      }
    });
  });
}

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  const alive = children
    .filter(({ child }) => child.exitCode === null && child.signalCode === null)
    .reverse();
  let pending = alive.length;
  if (pending === 0) process.exit(code);
  for (const { child } of alive) {
    child.once('exit', () => --pending === 0 && process.exit(code));
    child.kill('SIGTERM');
  }
  setTimeout(() => process.exit(code || 1), 15000).unref();
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

(async () => {
  for (const name of PROCESSES) await start(name);
  const port = process.env.POPPY_GATEWAY_PORT || '8888';
  process.stderr.write(
    `\nPoppy-TS is up: http://127.0.0.1:${port}/v1.0  (API docs: http://127.0.0.1:${port}/docs)\n` +
      `Default flavor 'mock' is ready. Ctrl-C stops the suite.\n\n`,
  );
})().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  stopAll(1);
});

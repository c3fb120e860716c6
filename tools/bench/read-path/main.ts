/**
 * Read-path benchmark (not a test): GET one service and GET a page of 20 through
 * gateway → catalog (gRPC) → SQLite, against a bare fastify hello-world measured in the
 * same run on the same machine, with autocannon on loopback.
 *
 *   npm run bench:read-path            (defaults: 64 connections, 10 s per scenario)
 *   BENCH_CONNECTIONS=64 BENCH_DURATION=10 npm run bench:read-path
 *
 * Targets (docs/performance.md): GET one ≥ 0.40 × hello-world req/s, p99 ≤ 10 ms.
 */
import { spawn } from 'node:child_process';
import { startSuite, REPO_ROOT } from '@poppy/testing';
import { load } from './load';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const RUN = { connections: CONNECTIONS, duration: DURATION };
const PROJECT = 'bench-project';

async function startHelloWorld(): Promise<{ url: string; stop: () => void }> {
  const code = `
    const app = require('fastify')();
    app.get('/', async () => ({ hello: 'world' }));
    app.listen({ host: '127.0.0.1', port: 0 }).then(() => console.log(app.server.address().port));
  `;
  const child = spawn(process.execPath, ['-e', code], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  // info: the harness waits for each process's "ready" line; nothing is logged per request at info.
  // BENCH_NODE_OPTIONS: V8 flags for gateway and catalog (e.g. --max-semi-space-size=64).
  const suite = await startSuite({
    env: {
      POPPY_LOG_LEVEL: 'info',
      POPPY_MAX_SERVICES_PER_PROJECT: '1000',
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    },
  });
  const hello = await startHelloWorld();
  try {
    let firstId = '';
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${suite.baseUrl}/v1.0/services`, {
        method: 'POST',
        headers: { 'x-project-id': PROJECT, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `bench ${i}`,
          domains: [{ domain: `www.bench${i}.com` }],
          origins: [{ origin: 'origin.bench.com' }],
          flavor_id: 'mock',
        }),
      });
      if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
      if (!firstId) firstId = res.headers.get('location')!.split('/').pop()!;
    }
    const headers = { 'x-project-id': PROJECT };
    const baseline = await load('hello-world (bare fastify)', hello.url, {}, RUN);
    const getOne = await load(
      'GET /v1.0/services/{id}',
      `${suite.baseUrl}/v1.0/services/${firstId}`,
      headers,
      RUN,
    );
    const list = await load(
      'GET /v1.0/services?limit=20',
      `${suite.baseUrl}/v1.0/services?limit=20`,
      headers,
      RUN,
    );

    const rows = [baseline, getOne, list].map((f) => ({
      scenario: f.scenario,
      'req/s': Math.round(f.rps),
      'p50 ms': f.p50,
      'p99 ms': f.p99,
      ratio: (f.rps / baseline.rps).toFixed(2),
      errors: f.errors + f.non2xx,
    }));
    process.stdout.write(
      `\nread-path benchmark — ${CONNECTIONS} connections, ${DURATION} s each, ${new Date().toISOString()}\n`,
    );
    console.table(rows);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    process.stdout.write(
      `target GET one ratio ≥ 0.40: ${(getOne.rps / baseline.rps).toFixed(2)} (${verdict(getOne.rps / baseline.rps >= 0.4)})\n` +
        `target GET one p99 ≤ 10 ms: ${getOne.p99} ms (${verdict(getOne.p99 <= 10)})\n`,
    );
  } finally {
    hello.stop();
    await suite.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/**
 * Memory benchmark (not a test): the resident set (RSS, /proc/<pid>/status VmRSS) of each
 * process of `npm start`'s suite (catalog, provider-mock, dns, provisioning, gateway on
 * embedded defaults, as tools/dev/start-suite.js runs them), idle after start-up and at
 * its peak under the read-path load (tools/bench/read-path/load.ts: GET one, then a list
 * of 20). Target (docs/performance.md): ≤ 80 MB idle per process.
 *
 *   npm run bench:memory
 *   BENCH_CONNECTIONS=64 BENCH_DURATION=5 BENCH_IDLE_SECONDS=5
 *   BENCH_NODE_OPTIONS='--max-semi-space-size=…'   V8 flags for every process
 */
import fs from 'node:fs';
import os from 'node:os';
import { startSuite, type RunningProcess } from '@poppy/testing';
import { load } from '../read-path/load';

const RUN = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 64),
  duration: Number(process.env.BENCH_DURATION ?? 5),
};
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
const TARGET_MB = 80;
const PROJECT = 'bench-memory';

/** Resident set of a process in MB (VmRSS). */
function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const suite = await startSuite({
    env: {
      POPPY_LOG_LEVEL: 'info',
      POPPY_MAX_SERVICES_PER_PROJECT: '1000',
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    },
    provisioning: {},
    dns: {},
  });
  try {
    const processes: RunningProcess[] = [
      suite.catalog,
      ...Object.values(suite.providers),
      ...(suite.dns ? [suite.dns] : []),
      ...(suite.provisioning ? [suite.provisioning] : []),
      suite.gateway,
    ];
    let firstId = '';
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${suite.baseUrl}/v1.0/services`, {
        method: 'POST',
        headers: { 'x-project-id': PROJECT, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `memory ${i}`,
          domains: [{ domain: `www.memory${i}.com` }],
          origins: [{ origin: 'origin.memory.com' }],
          flavor_id: 'mock',
        }),
      });
      if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
      if (!firstId) firstId = res.headers.get('location')?.split('/').pop() ?? '';
    }
    await sleep(IDLE_SECONDS * 1000); // provisioning done, timers and GC settled
    const idle = new Map(processes.map((p) => [p.name, rssMb(p.pid)]));
    const peak = new Map(idle);
    const sampler = setInterval(() => {
      for (const p of processes) peak.set(p.name, Math.max(peak.get(p.name) ?? 0, rssMb(p.pid)));
    }, 100);
    const headers = { 'x-project-id': PROJECT };
    await load('GET one', `${suite.baseUrl}/v1.0/services/${firstId}`, headers, RUN);
    await load('GET list of 20', `${suite.baseUrl}/v1.0/services?limit=20`, headers, RUN);
    clearInterval(sampler);
    await sleep(IDLE_SECONDS * 1000);
    process.stdout.write(
      `\nmemory benchmark — ${new Date().toISOString()}, ${RUN.connections} connections, ${RUN.duration} s per read scenario, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ' ',
        )}${process.env.BENCH_NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.BENCH_NODE_OPTIONS}` : ''}\n\n`,
    );
    process.stdout.write(
      `| process | RSS idle MB | RSS peak under read load MB | RSS after MB | idle ≤ ${TARGET_MB} MB |\n|---|---:|---:|---:|---|\n`,
    );
    for (const p of processes) {
      const i = idle.get(p.name) ?? NaN;
      process.stdout.write(
        `| ${p.name} | ${i.toFixed(1)} | ${(peak.get(p.name) ?? NaN).toFixed(1)} | ${rssMb(p.pid).toFixed(1)} | ${i <= TARGET_MB ? 'met' : 'NOT met'} |\n`,
      );
    }
  } finally {
    await suite.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench-memory: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});

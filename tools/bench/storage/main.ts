/**
 * Catalog storage benchmark (not a test): the same mixed workload — create, get, list a page
 * of 20, patch (read + generation-checked replace) — through the CatalogStore port, against
 * SQLite and against Cassandra, first with 1k then with 100k stored services (seeded through
 * the port, 100 services per project). Prints ops/s and p50/p99 per operation, and how get and
 * list latency change from 1k to 100k (target ≤ 1.5×). SQLite in the same run is the baseline.
 *
 *   node tools/build.js && node dist/bench-storage/main.js
 *   BENCH_SIZES=1000,100000 BENCH_DURATION=10 BENCH_CONCURRENCY=16 BENCH_STORES=sqlite,cassandra
 *
 * Cassandra: POPPY_TEST_CASSANDRA=host:port, else the test node on 127.0.0.1:9142, started
 * if needed (tools/infra/cassandra.sh). A keyspace of its own, dropped at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvReader } from '@poppy/platform';
import {
  dropTestKeyspace,
  sampleService,
  testCassandraContactPoint,
  testKeyspace,
} from '@poppy/testing';
import type { Service } from '@poppy/domain';
import type { ServiceJobBody } from '@poppy/jobs';
import type { CatalogStore } from '../../../services/catalog/src/store/catalog-store';
import { jobFor } from '../../../services/catalog/src/catalog';
import { SqliteCatalogStore } from '../../../services/catalog/src/drivers/sqlite/sqlite-catalog-store';
import { CassandraCatalogStore } from '../../../services/catalog/src/drivers/cassandra/cassandra-catalog-store';
import { readCassandraConfig } from '../../../services/catalog/src/drivers/cassandra/cassandra-config';

const SIZES = (process.env.BENCH_SIZES ?? '1000,100000').split(',').map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SEED_CONCURRENCY = Number(process.env.BENCH_SEED_CONCURRENCY ?? 64);
const STORES = (process.env.BENCH_STORES ?? 'sqlite,cassandra').split(',');
const PER_PROJECT = 100;
const LIMIT = 1_000_000;
const OPS = ['create', 'get', 'list', 'patch'] as const;
// Jobs without the spec and previous configuration: the bench measures the store, not the payload.
const CREATE: ServiceJobBody = { $case: 'create', value: { spec: undefined } };
const UPDATE: ServiceJobBody = { $case: 'update', value: { previous: undefined } };
type Op = (typeof OPS)[number];
/** Mix of the measured workload: reads dominate, as they do for the API. */
const MIX: Array<[Op, number]> = [
  ['create', 0.1],
  ['get', 0.5],
  ['list', 0.3],
  ['patch', 0.1],
];

interface Ref {
  project_id: string;
  service_id: string;
}

let serial = 0;
function newService(project: string): Service {
  return sampleService({ project_id: project, name: `bench ${serial++}` });
}

async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function seed(
  store: CatalogStore,
  refs: Ref[],
  target: number,
): Promise<{ rate: number; inFlight: number }> {
  const started = Date.now();
  const from = refs.length;
  // Exactly PER_PROJECT per project, handed out round-robin so concurrent creates rarely share
  // a project (creates within one project are serialised by design).
  const firstProject = Math.floor(from / PER_PROJECT);
  const newProjects = Math.max(1, Math.ceil((target - from) / PER_PROJECT));
  const inFlight = Math.min(SEED_CONCURRENCY, newProjects);
  await pool(target - from, inFlight, async (i) => {
    const s = newService(`bench-p${firstProject + (i % newProjects)}`);
    await store.createService(s, jobFor(s, CREATE), LIMIT);
    refs.push({ project_id: s.project_id, service_id: s.service_id });
  });
  return { rate: ((target - from) / (Date.now() - started)) * 1000, inFlight };
}

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];

function chooseOp(): Op {
  let r = Math.random();
  for (const [op, p] of MIX) if ((r -= p) < 0) return op;
  return 'get';
}

interface OpFigures {
  count: number;
  opsPerS: number;
  p50: number;
  p99: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function workload(
  store: CatalogStore,
  refs: Ref[],
): Promise<{ total: number; ops: Record<Op, OpFigures> }> {
  const samples: Record<Op, number[]> = { create: [], get: [], list: [], patch: [] };
  const errors: Record<Op, number> = { create: 0, get: 0, list: 0, patch: 0 };
  const run = async (until: number, record: boolean) => {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < until) {
          const op = chooseOp();
          const t0 = process.hrtime.bigint();
          try {
            if (op === 'create') {
              const s = newService(pick(refs).project_id);
              await store.createService(s, jobFor(s, CREATE), LIMIT);
            } else if (op === 'get') {
              const r = pick(refs);
              if (!(await store.getService(r.project_id, r.service_id))) throw new Error('missing');
            } else if (op === 'list') {
              await store.listServices(pick(refs).project_id, undefined, 20);
            } else {
              const r = pick(refs);
              const current = (await store.getService(r.project_id, r.service_id))!;
              const next = {
                ...current,
                name: `patched ${current.generation}`,
                generation: current.generation + 1,
              };
              await store.replaceService(next, current.generation, jobFor(next, UPDATE));
            }
            if (record) samples[op].push(Number(process.hrtime.bigint() - t0) / 1e6);
          } catch {
            if (record) errors[op] += 1;
          }
        }
      }),
    );
  };
  await run(Date.now() + 2000, false); // warm-up: JIT, prepared statements, connection pools
  const started = Date.now();
  await run(started + DURATION_S * 1000, true);
  const elapsed = (Date.now() - started) / 1000;
  const ops = {} as Record<Op, OpFigures>;
  let total = 0;
  for (const op of OPS) {
    const sorted = samples[op].sort((a, b) => a - b);
    total += sorted.length;
    ops[op] = {
      count: sorted.length,
      opsPerS: sorted.length / elapsed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      errors: errors[op],
    };
  }
  return { total: total / elapsed, ops };
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function openStore(
  name: string,
): Promise<{ store: CatalogStore; cleanup: () => Promise<void> }> {
  if (name === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-bench-storage-'));
    const store = new SqliteCatalogStore(path.join(dir, 'catalog.sqlite'));
    return { store, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const contactPoint = testCassandraContactPoint();
  const keyspace = testKeyspace('poppy_bench');
  const store = await CassandraCatalogStore.open(
    readCassandraConfig(
      new EnvReader({
        POPPY_CASSANDRA_CONTACT_POINTS: contactPoint,
        POPPY_CASSANDRA_KEYSPACE: keyspace,
      }),
    ),
  );
  return { store, cleanup: () => dropTestKeyspace(contactPoint, keyspace) };
}

async function main(): Promise<void> {
  console.log(
    `storage benchmark: sizes ${SIZES.join(', ')}; ${DURATION_S} s per measurement, ${CONCURRENCY} in flight; mix ${MIX.map(([o, p]) => `${o} ${p * 100}%`).join(', ')}`,
  );
  const results: Record<string, Record<number, Awaited<ReturnType<typeof workload>>>> = {};
  for (const name of STORES) {
    const { store, cleanup } = await openStore(name);
    results[name] = {};
    const refs: Ref[] = [];
    try {
      for (const size of SIZES) {
        const seeded = await seed(store, refs, size);
        console.log(
          `\n[${name}] ${refs.length} services stored (seeded through the port at ${fmt(seeded.rate, 0)} creates/s, ${seeded.inFlight} in flight)`,
        );
        const r = await workload(store, refs);
        results[name][size] = r;
        console.log(`[${name}] ${fmt(r.total, 0)} ops/s in total`);
        console.log('  op      ops/s     p50 ms   p99 ms   errors');
        for (const op of OPS) {
          const o = r.ops[op];
          console.log(
            `  ${op.padEnd(7)} ${fmt(o.opsPerS, 0).padStart(6)}   ${fmt(o.p50).padStart(7)}  ${fmt(o.p99).padStart(7)}   ${o.errors}`,
          );
        }
      }
    } finally {
      await store.close();
      await cleanup();
    }
  }
  const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
  console.log(`\nlatency at ${large} vs ${small} stored services (target ≤ 1.5×):`);
  for (const name of STORES) {
    for (const op of ['get', 'list'] as const) {
      const a = results[name][small].ops[op];
      const b = results[name][large].ops[op];
      console.log(
        `  ${name.padEnd(9)} ${op.padEnd(4)} p50 ${fmt(b.p50 / a.p50)}×  p99 ${fmt(b.p99 / a.p99)}×`,
      );
    }
  }
  if (STORES.includes('sqlite') && STORES.includes('cassandra')) {
    console.log(`\ncassandra vs sqlite at ${large} services (baseline sqlite = 1):`);
    for (const op of OPS) {
      const s = results.sqlite[large].ops[op];
      const c = results.cassandra[large].ops[op];
      console.log(
        `  ${op.padEnd(7)} ops/s ${fmt(c.opsPerS / s.opsPerS)}×  p50 ${fmt(c.p50 / s.p50)}×  p99 ${fmt(c.p99 / s.p99)}×`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * A real Cassandra node for integration tests, run by tools/infra/cassandra.sh (Maven
 * Central jars on Java 17; see tools/infra/cassandra/README.md).
 *
 * `testCassandraContactPoint()` is the shared node: POPPY_TEST_CASSANDRA (host:port, set by
 * tools/test.sh, which starts and stops it) or, when that is unset (plain `npx jest`), the
 * node on TEST_CASSANDRA_PORT, started here if needed and left running for the next run
 * (`tools/infra/cassandra.sh stop --port 9142` stops it). A node that cannot be installed or
 * started fails the test loudly; nothing is skipped.
 *
 * `cassandraNode(port)` controls a node of a test's own (stop/start while processes use it).
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './processes';

export const TEST_CASSANDRA_PORT = 9142;
const SCRIPT = path.join(REPO_ROOT, 'tools/infra/cassandra.sh');

function script(args: string[], timeoutMs = 240_000): string {
  try {
    return execFileSync('bash', [SCRIPT, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `tools/infra/cassandra.sh ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}${err.stdout ?? ''}`,
    );
  }
}

/** The same, without blocking the event loop (tests that keep traffic flowing meanwhile). */
async function scriptAsync(
  args: string[],
  timeoutMs = 240_000,
  env: Record<string, string> = {},
): Promise<string> {
  try {
    return (
      await promisify(execFile)('bash', [SCRIPT, ...args], {
        encoding: 'utf8',
        timeout: timeoutMs,
        env: { ...process.env, ...env },
      })
    ).stdout;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `tools/infra/cassandra.sh ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}${err.stdout ?? ''}`,
    );
  }
}

let shared: string | undefined;

/** host:port of the shared test node (see the file comment). */
export function testCassandraContactPoint(): string {
  if (shared) return shared;
  const fromEnv = process.env.POPPY_TEST_CASSANDRA?.trim();
  if (fromEnv) {
    if (!/^[^\s:]+:\d+$/.test(fromEnv))
      throw new Error(`POPPY_TEST_CASSANDRA must be host:port, got '${fromEnv}'`);
    shared = fromEnv;
    return shared;
  }
  script(['install']);
  script(['start', '--port', String(TEST_CASSANDRA_PORT)]);
  shared = `127.0.0.1:${TEST_CASSANDRA_PORT}`;
  return shared;
}

/** A unique keyspace name for one test file's run, so runs and files never share data. */
export function testKeyspace(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
}

export interface CassandraNode {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly contactPoint: string;
  /** Starts the node (no-op when it answers CQL already). */
  start(): Promise<void>;
  /** Clean stop (drain), keeping the data. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), keeping the data; start() brings it back. */
  kill(): Promise<void>;
}

export interface CassandraNodeOptions {
  /**
   * Fsyncs on and the commit log synced before each write is acknowledged
   * (CASSANDRA_FAST_UNSAFE=0, commitlog_sync batch): required by every test that kills the
   * node, since the fast default can lose acknowledged writes in a crash.
   * @default false
   */
  durable?: boolean;
}

/**
 * A node of the caller's own on `port` (data under .cache/cassandra/nodes/<port>). A port may
 * come from the environment so that concurrent runs on one machine never share a node.
 */
export function cassandraNode(port: number, options: CassandraNodeOptions = {}): CassandraNode {
  const env: Record<string, string> = options.durable ? { CASSANDRA_FAST_UNSAFE: '0' } : {};
  return {
    port,
    contactPoint: `127.0.0.1:${port}`,
    start: async () => {
      await scriptAsync(['install']);
      await scriptAsync(['start', '--port', String(port)], undefined, env);
    },
    stop: async () => {
      await scriptAsync(['stop', '--port', String(port)]);
    },
    kill: async () => {
      await scriptAsync(['kill', '--port', String(port)]);
    },
  };
}

/** A port from `variable` (a run's own node), else `fallback`. */
export function cassandraPortFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable]?.trim();
  if (!raw) return fallback;
  if (!/^\d{2,5}$/.test(raw)) throw new Error(`${variable} must be a port number, got '${raw}'`);
  return Number(raw);
}

/** Drops a test keyspace (cleanup after a run; the node keeps running). */
export async function dropTestKeyspace(contactPoint: string, keyspace: string): Promise<void> {
  const { Client } = await import('cassandra-driver');
  const [host, port] = contactPoint.split(':');
  const client = new Client({
    contactPoints: [host],
    localDataCenter: 'datacenter1',
    protocolOptions: { port: Number(port) },
  });
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await client.shutdown();
  }
}

/**
 * A real PowerDNS authoritative server (Debian `pdns-server` + `pdns-backend-sqlite3`)
 * for integration tests: one per caller, DNS and HTTP API on free loopback ports, zones in
 * a fresh SQLite file. The binary comes from `tools/infra/pdns.sh install`; a missing
 * binary is an error, never a skip.
 */
import type { ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { answersHttp, assertBinary, freePort, spawnUntilReady, terminate } from './server-process';

export interface PowerDnsServer {
  /** `http://127.0.0.1:<port>` — the HTTP API (`/api/v1/servers/localhost/...`). */
  readonly apiUrl: string;
  readonly apiKey: string;
  /** The DNS port (UDP and TCP) on 127.0.0.1. */
  readonly dnsPort: number;
  readonly dataDir: string;
  output(): string;
  /** A resolver that asks this server only (no recursion behind it). */
  resolver(): Resolver;
  /** The CNAME target of `name` as this server answers it, undefined when it has none. */
  resolveCname(name: string): Promise<string | undefined>;
  /** TXT values of `name`, [] when none. */
  resolveTxt(name: string): Promise<string[]>;
  /** SIGTERM and wait (zones kept); start() brings it back on the same ports. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** SIGTERM, wait, delete the data directory. */
  stop(): Promise<void>;
}

const binary = () => process.env.POPPY_PDNS_SERVER_BIN ?? 'pdns_server';
const SCHEMA =
  process.env.POPPY_PDNS_SQLITE_SCHEMA ??
  '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql';
const INSTALL_HINT =
  'run `tools/infra/pdns.sh install` (Debian packages pdns-server, pdns-backend-sqlite3)';
const READY_TIMEOUT_MS = 20_000;

function assertInstalled(bin: string): void {
  assertBinary({
    name: 'pdns_server',
    bin,
    probeArgs: ['--version'],
    installHint: INSTALL_HINT,
    requireExitZero: false,
  });
  if (!fs.existsSync(SCHEMA))
    throw new Error(`the PowerDNS sqlite3 schema is missing (${SCHEMA}); ${INSTALL_HINT}`);
}

export async function startPowerDns(): Promise<PowerDnsServer> {
  const bin = binary();
  assertInstalled(bin);
  const dnsPort = await freePort();
  const apiPort = await freePort();
  const apiKey = `test-${process.pid}-${dnsPort}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-pdns-'));
  const dbFile = path.join(dataDir, 'pdns.sqlite3');
  const db = new Database(dbFile);
  db.exec(fs.readFileSync(SCHEMA, 'utf8'));
  db.close();
  fs.writeFileSync(
    path.join(dataDir, 'pdns.conf'),
    [
      'launch=gsqlite3',
      `gsqlite3-database=${dbFile}`,
      'local-address=127.0.0.1',
      `local-port=${dnsPort}`,
      'api=yes',
      `api-key=${apiKey}`,
      'webserver=yes',
      'webserver-address=127.0.0.1',
      `webserver-port=${apiPort}`,
      'webserver-allow-from=127.0.0.0/8',
      `socket-dir=${dataDir}`,
      // Answers must follow API changes at once (no packet or query cache).
      'cache-ttl=0',
      'negquery-cache-ttl=0',
      'query-cache-ttl=0',
      'zone-cache-refresh-interval=0',
      '',
    ].join('\n'),
  );
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  let child: ChildProcess | undefined;
  let starting: Promise<void> | undefined;
  let output = () => '';

  const start = async (): Promise<void> => {
    if (child) return;
    if (starting) return starting;
    output = () => '';
    starting = spawnUntilReady({
      name: 'pdns_server',
      bin,
      args: [
        `--config-dir=${dataDir}`,
        '--daemon=no',
        '--guardian=no',
        '--disable-syslog',
        '--write-pid=no',
      ],
      installHint: INSTALL_HINT,
      readyTimeoutMs: READY_TIMEOUT_MS,
      where: `(API ${apiUrl})`,
      isReady: () => answersHttp(`${apiUrl}/api/v1/servers/localhost`, { 'X-API-Key': apiKey }),
    }).then((server) => {
      child = server.child;
      output = server.output;
    });
    try {
      await starting;
    } finally {
      starting = undefined;
    }
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    await terminate(proc, 'SIGTERM', 5000);
  };

  const resolver = (): Resolver => {
    const r = new Resolver({ timeout: 1000, tries: 2 });
    r.setServers([`127.0.0.1:${dnsPort}`]);
    return r;
  };

  const absent = (err: unknown) => {
    const code = (err as { code?: string }).code;
    // REFUSED: the name lies in no zone of this server, so it has no record here either.
    return code === 'ENODATA' || code === 'ENOTFOUND' || code === 'EREFUSED';
  };

  await start();
  return {
    apiUrl,
    apiKey,
    dnsPort,
    dataDir,
    output: () => output(),
    resolver,
    resolveCname: async (name) => {
      try {
        return (await resolver().resolveCname(name))[0];
      } catch (err) {
        if (absent(err)) return undefined;
        throw err;
      }
    },
    resolveTxt: async (name) => {
      try {
        return (await resolver().resolveTxt(name)).map((chunks) => chunks.join(''));
      } catch (err) {
        if (absent(err)) return [];
        throw err;
      }
    },
    halt,
    start,
    stop: async () => {
      await halt();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the built processes (dist/<name>/main.js) as real child processes on loopback
 * for integration tests, and waits until each logs that it is ready (its bound port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFlavor, type FlavorBody } from './poppy-api';

/** The repository root: the nearest folder up from here with nx.json (works from source and from dist bundles). */
export const REPO_ROOT = ((): string => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${__dirname}`);
  }
})();

export interface RunningProcess {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the exit (a crash). */
  kill(): Promise<number | null>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function startProcess(
  name: string,
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<RunningProcess> {
  const entry = path.join(REPO_ROOT, 'dist', name, 'main.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, ['--enable-source-maps', entry], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', POPPY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready after ${options.timeoutMs ?? 15000} ms:\n${output}`));
    }, options.timeoutMs ?? 15000);
    const onData = (chunk: string) => {
      output += chunk;
      for (const line of chunk.split('\n')) {
        if (!line.includes(`"${name} ready"`)) continue;
        try {
          const parsed = JSON.parse(line) as { port: number };
          clearTimeout(timer);
          resolve(parsed.port);
        } catch {
          // a partial line; the rest arrives with the next chunk
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    name,
    port,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited(child);
    },
    kill: async () => {
      child.kill('SIGKILL');
      return exited(child);
    },
  };
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `poppy-${prefix}-`));
}

export interface Suite {
  catalog: RunningProcess;
  gateway: RunningProcess;
  /** Present when started with `provisioning`. */
  provisioning?: RunningProcess;
  /** provider-mock processes by provider id, when started with `provisioning`. */
  providers: Record<string, RunningProcess>;
  /** services/dns, when started with `dns`. */
  dns?: RunningProcess;
  /** services/certificates, when started with `certificates`. */
  certificates?: RunningProcess;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Stop the processes and start them again on the same data. */
  restart(): Promise<Suite>;
  /** Start provisioning again (after a kill) with the same settings; updates `suite.provisioning`. */
  startProvisioning(): Promise<RunningProcess>;
}

/** One provider-mock process (services/provider-mock). */
export interface MockProviderOptions {
  /** The provider id flavors name, e.g. 'mock', 'mock2'. */
  id: string;
  /** Its display name (provider_details key). @default the id with a capital first letter */
  name?: string;
  /** Fault injection and more: POPPY_MOCK_LATENCY_MS, _FAIL_TIMES, _FAIL_ALWAYS, _HANG, _JOURNAL, … */
  env?: Record<string, string>;
  /** Another built provider adapter to start instead, e.g. 'provider-cloudfront' (its settings in `env`). @default 'provider-mock' */
  process?: string;
}

export interface SuiteOptions {
  dataDir?: string;
  /** Given to every process. */
  env?: Record<string, string>;
  /** Also run the asynchronous half: provider-mock processes and provisioning. */
  provisioning?: {
    /** @default 'sqlite' */
    queue?: 'sqlite' | 'nats';
    /** Required with queue 'nats'. */
    natsUrl?: string;
    /** @default [{ id: 'mock' }] */
    providers?: MockProviderOptions[];
    /** Given to provisioning only (POPPY_JOB_*, POPPY_BREAKER_*, POPPY_RECONCILE_*, …). */
    env?: Record<string, string>;
  };
  /** Also start services/dns (POPPY_DNS_BACKEND etc. in `env`); provisioning then uses it (POPPY_DNS_ADDRESS). */
  dns?: { env?: Record<string, string> };
  /**
   * Also start services/certificates (local issuer unless `env` says otherwise, as `npm start`
   * runs it); the gateway and provisioning then use it (POPPY_CERTIFICATES_ADDRESS).
   */
  certificates?: { env?: Record<string, string> };
  /** Flavors created through the REST API once the gateway is up (not again on `restart`: the data keeps them). */
  flavors?: FlavorBody[];
}

/**
 * Catalog + gateway on free loopback ports, the catalog on SQLite in a fresh directory;
 * with `provisioning`, also provider-mock processes and provisioning, sharing the queue.
 */
export async function startSuite(options: SuiteOptions = {}): Promise<Suite> {
  const dataDir = options.dataDir ?? makeTempDir('suite');
  const prov = options.provisioning;
  const queueEnv: Record<string, string> = {};
  if (prov) {
    queueEnv.POPPY_QUEUE = prov.queue ?? 'sqlite';
    if (prov.queue === 'nats') {
      if (!prov.natsUrl)
        throw new Error('startSuite: provisioning.natsUrl is required with queue nats');
      queueEnv.POPPY_NATS_URL = prov.natsUrl;
    }
    queueEnv.POPPY_PROVIDERS = (prov.providers ?? [{ id: 'mock' }]).map((p) => p.id).join(',');
  }
  const env = { ...queueEnv, ...(options.env ?? {}) };
  // dns first: the catalog's admin routes re-point operator CNAMEs through it too.
  const dns = options.dns
    ? await startProcess('dns', { POPPY_DNS_PORT: '0', ...env, ...(options.dns.env ?? {}) })
    : undefined;
  const certificates = options.certificates
    ? await startProcess('certificates', {
        POPPY_CERTIFICATES_PORT: '0',
        POPPY_DATA_DIR: dataDir,
        POPPY_CERTIFICATES_ISSUER: 'local',
        ...env,
        ...(options.certificates.env ?? {}),
      })
    : undefined;
  const certificatesEnv: Record<string, string> = certificates
    ? { POPPY_CERTIFICATES_ADDRESS: `127.0.0.1:${certificates.port}` }
    : {};
  const catalog = await startProcess('catalog', {
    POPPY_CATALOG_PORT: '0',
    POPPY_DATA_DIR: dataDir,
    ...(dns ? { POPPY_DNS_ADDRESS: `127.0.0.1:${dns.port}` } : {}),
    ...env,
  });
  const providers: Record<string, RunningProcess> = {};
  let startProvisioning = async (): Promise<RunningProcess> => {
    throw new Error('startSuite: started without provisioning');
  };
  if (prov) {
    for (const p of prov.providers ?? [{ id: 'mock' }]) {
      providers[p.id] = await startProcess(p.process ?? 'provider-mock', {
        POPPY_PROVIDER_PORT: '0',
        POPPY_MOCK_PROVIDER_NAME: p.name ?? p.id.charAt(0).toUpperCase() + p.id.slice(1),
        ...env,
        ...(p.env ?? {}),
      });
    }
    startProvisioning = () =>
      startProcess('provisioning', {
        POPPY_PROVISIONING_PORT: '0',
        POPPY_CATALOG_ADDRESS: `127.0.0.1:${catalog.port}`,
        POPPY_DATA_DIR: dataDir,
        ...(dns ? { POPPY_DNS_ADDRESS: `127.0.0.1:${dns.port}` } : {}),
        ...certificatesEnv,
        POPPY_PROVIDER_ADDRESSES: Object.entries(providers)
          .map(([id, proc]) => `${id}=127.0.0.1:${proc.port}`)
          .join(','),
        ...env,
        ...(prov.env ?? {}),
      });
  }
  const provisioning = prov ? await startProvisioning() : undefined;
  const gateway = await startProcess('gateway', {
    POPPY_GATEWAY_PORT: '0',
    POPPY_CATALOG_ADDRESS: `127.0.0.1:${catalog.port}`,
    ...certificatesEnv,
    ...env,
  });
  for (const flavor of options.flavors ?? []) {
    await createFlavor({ baseUrl: `http://127.0.0.1:${gateway.port}` }, 'suite-operator', flavor);
  }
  const suite: Suite = {
    catalog,
    gateway,
    provisioning,
    providers,
    dns,
    certificates,
    baseUrl: `http://127.0.0.1:${gateway.port}`,
    dataDir,
    stop: async () => {
      await gateway.stop();
      if (suite.provisioning) await suite.provisioning.stop();
      for (const p of Object.values(providers)) await p.stop();
      if (dns) await dns.stop();
      if (certificates) await certificates.stop();
      await catalog.stop();
    },
    restart: async () => {
      await suite.stop();
      return startSuite({ ...options, dataDir, flavors: undefined });
    },
    startProvisioning: async () => {
      suite.provisioning = await startProvisioning();
      return suite.provisioning;
    },
  };
  return suite;
}

/**
 * Starts the built processes (dist/<name>/main.js) as real child processes on loopback
 * for integration tests, and waits until each logs that it is ready (its bound port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Stop both processes and start them again on the same data. */
  restart(): Promise<Suite>;
}

/** Catalog + gateway on free loopback ports, the catalog on SQLite in a fresh directory. */
export async function startSuite(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<Suite> {
  const dataDir = options.dataDir ?? makeTempDir('suite');
  const env = options.env ?? {};
  const catalog = await startProcess('catalog', {
    POPPY_CATALOG_PORT: '0',
    POPPY_DATA_DIR: dataDir,
    ...env,
  });
  const gateway = await startProcess('gateway', {
    POPPY_GATEWAY_PORT: '0',
    POPPY_CATALOG_ADDRESS: `127.0.0.1:${catalog.port}`,
    ...env,
  });
  const suite: Suite = {
    catalog,
    gateway,
    baseUrl: `http://127.0.0.1:${gateway.port}`,
    dataDir,
    stop: async () => {
      await gateway.stop();
      await catalog.stop();
    },
    restart: async () => {
      await suite.stop();
      return startSuite({ dataDir, env });
    },
  };
  return suite;
}

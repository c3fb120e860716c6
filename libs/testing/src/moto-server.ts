/**
 * A real `moto` server (pip `moto[server]`) for integration tests of AWS drivers
 * (Route53, CloudFront): one per caller, on a free loopback port. Point an AWS SDK v3
 * client at `endpoint` with dummy credentials (`motoClientConfig()`). The binary comes
 * from `tools/infra/moto.sh install`; a missing binary is an error, never a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Everything the server printed so far. */
  output(): string;
  /** Forget every resource created so far (moto's `/moto-api/reset`). */
  reset(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Settings for an AWS SDK v3 client talking to this server. */
export function motoClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/** `POPPY_MOTO_SERVER_BIN` points at another moto_server (read per start). */
const binary = () => process.env.POPPY_MOTO_SERVER_BIN ?? 'moto_server';
const INSTALL_HINT = "run `tools/infra/moto.sh install` (pip install 'moto[server]')";
const READY_TIMEOUT_MS = 30_000;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function assertBinary(bin: string): void {
  const probe = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : `exit ${probe.status}: ${probe.stderr}`;
    throw new Error(`moto_server is not available (${bin}: ${why}); ${INSTALL_HINT}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/data.json`, {
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startMotoServer(): Promise<MotoServer> {
  const bin = binary();
  assertBinary(bin);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const proc = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let spawnFailure: Error | undefined;
  proc.once('error', (err) => (spawnFailure = err));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnFailure)
      throw new Error(`moto_server failed to start (${spawnFailure.message}); ${INSTALL_HINT}`);
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(
        `moto_server exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${output}`,
      );
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(
        `moto_server not ready on ${endpoint} after ${READY_TIMEOUT_MS} ms:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    endpoint,
    port,
    output: () => output,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

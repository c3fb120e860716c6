/**
 * A real nats-server with JetStream for integration tests: one per caller, on a free
 * loopback port, storing in a fresh temp directory. The binary comes from
 * `tools/infra/nats.sh install`; a missing binary is an error, never a skip, so a
 * machine without it cannot report green while testing nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** JetStream's store (`-sd`); kept across restart() and kill(), deleted by stop(). */
  readonly dataDir: string;
  /** Everything the current server process printed so far. */
  output(): string;
  /** SIGTERM, wait for the exit, delete the data directory. */
  stop(): Promise<void>;
  /** Graceful stop (if running) and start again on the same port and data. */
  restart(): Promise<void>;
  /** SIGKILL (a crash), keeping the data; restart() brings it back. */
  kill(): Promise<void>;
}

/** `POPPY_NATS_SERVER_BIN` points at another build of the server (read per start). */
const binary = () => process.env.POPPY_NATS_SERVER_BIN ?? 'nats-server';
const INSTALL_HINT = 'run `tools/infra/nats.sh install` (Debian package nats-server)';
const READY_TIMEOUT_MS = 15_000;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function assertBinary(bin: string): void {
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : `exit ${probe.status}: ${probe.stderr}`;
    throw new Error(`nats-server is not available (${bin}: ${why}); ${INSTALL_HINT}`);
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

/** True once the server answers a TCP connection with its INFO line. */
function answersInfo(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('utf8').startsWith('INFO ')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startNatsServer(): Promise<NatsServer> {
  const bin = binary();
  assertBinary(bin);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A jest worker that dies must not leave servers behind holding ports.
    process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));
  }
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-nats-'));
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const proc = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    let spawnFailure: Error | undefined;
    proc.once('error', (err) => (spawnFailure = err));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (spawnFailure)
        throw new Error(`nats-server failed to start (${spawnFailure.message}); ${INSTALL_HINT}`);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `nats-server exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${output}`,
        );
      }
      if (await answersInfo(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(
          `nats-server not ready on 127.0.0.1:${port} after ${READY_TIMEOUT_MS} ms:\n${output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    if (!child) return;
    const proc = child;
    child = undefined;
    proc.kill(signal);
    await exited(proc);
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dataDir,
    output: () => output,
    stop: async () => {
      await terminate('SIGTERM');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    restart: async () => {
      await terminate('SIGTERM');
      await launch();
    },
    kill: () => terminate('SIGKILL'),
  };
}

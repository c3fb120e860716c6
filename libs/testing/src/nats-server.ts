/**
 * A real nats-server with JetStream for integration tests: one per caller, on a free
 * loopback port, storing in a fresh temp directory. The binary comes from
 * `tools/infra/nats.sh install`; a missing binary is an error, never a skip, so a
 * machine without it cannot report green while testing nothing.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertBinary, freePort, greets, spawnUntilReady, terminate } from './server-process';

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
  /**
   * Graceful stop (if running) and start again on the same port: by default with the same
   * data; `emptyStore` deletes the store first (a server that lost its disk),
   * `jetstream: false` starts it without JetStream (no stream can be used) — both for
   * this start only.
   */
  restart(options?: RestartOptions): Promise<void>;
  /** SIGKILL (a crash), keeping the data; restart() brings it back. */
  kill(): Promise<void>;
}

export interface RestartOptions {
  /** @default false */
  emptyStore?: boolean;
  /** @default true */
  jetstream?: boolean;
}

/** `POPPY_NATS_SERVER_BIN` points at another build of the server (read per start). */
const binary = () => process.env.POPPY_NATS_SERVER_BIN ?? 'nats-server';
const INSTALL_HINT = 'run `tools/infra/nats.sh install` (Debian package nats-server)';
const READY_TIMEOUT_MS = 15_000;

export async function startNatsServer(): Promise<NatsServer> {
  const bin = binary();
  assertBinary({ name: 'nats-server', bin, probeArgs: ['--version'], installHint: INSTALL_HINT });
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-nats-'));
  let child: ChildProcess | undefined;
  let output = () => '';

  const launch = async (jetstream = true): Promise<void> => {
    output = () => '';
    const server = await spawnUntilReady({
      name: 'nats-server',
      bin,
      args: ['-a', '127.0.0.1', '-p', String(port), ...(jetstream ? ['-js', '-sd', dataDir] : [])],
      installHint: INSTALL_HINT,
      readyTimeoutMs: READY_TIMEOUT_MS,
      where: `on 127.0.0.1:${port}`,
      // Ready once it answers a TCP connection with its INFO line.
      isReady: () => greets(port, 'INFO '),
      pollMs: 25,
    });
    child = server.child;
    output = server.output;
  };

  const stopChild = async (signal: NodeJS.Signals): Promise<void> => {
    if (!child) return;
    const proc = child;
    child = undefined;
    await terminate(proc, signal);
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dataDir,
    output: () => output(),
    stop: async () => {
      await stopChild('SIGTERM');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    restart: async ({ emptyStore = false, jetstream = true }: RestartOptions = {}) => {
      await stopChild('SIGTERM');
      if (emptyStore) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        fs.mkdirSync(dataDir);
      }
      await launch(jetstream);
    },
    kill: () => stopChild('SIGKILL'),
  };
}

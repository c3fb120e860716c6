/**
 * What every real server the integration tests start has in common: the check that its
 * binary is installed (a missing binary is an error naming the install command, never a
 * skip), free loopback ports, spawning it with its output captured, waiting until a probe
 * says it is ready, and stopping it. Every process spawned here is SIGKILLed when the test
 * process exits, so a jest worker that dies leaves no server behind holding ports.
 * Server-specific setup (config files, arguments, readiness probes) stays with each server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface BinarySpec {
  /** The name in messages, e.g. `nats-server`. */
  name: string;
  /** What is run (a name on PATH or a path). */
  bin: string;
  /** Arguments of a harmless run, e.g. `['--version']`. */
  probeArgs: string[];
  installHint: string;
  /** Also fail when that run exits non-zero (some binaries' help exits 2). @default true */
  requireExitZero?: boolean;
}

/** Throws `<name> is not available (<bin>: <why>); <install hint>` when `bin` cannot run. */
export function assertBinary(spec: BinarySpec): void {
  const probe = spawnSync(spec.bin, spec.probeArgs, { encoding: 'utf8' });
  const failed = probe.error || ((spec.requireExitZero ?? true) && probe.status !== 0);
  if (failed) {
    const why = probe.error ? probe.error.message : `exit ${probe.status}: ${probe.stderr}`;
    throw new Error(`${spec.name} is not available (${spec.bin}: ${why}); ${spec.installHint}`);
  }
}

/** A port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once `child` has exited (at once when it has already). */
export function exited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Sends `signal` (unless the process is gone already) and waits for the exit; with
 * `killAfterMs`, a process still alive by then gets SIGKILL.
 */
export async function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  killAfterMs?: number,
): Promise<void> {
  if (hasExited(child)) return;
  const gone = exited(child);
  child.kill(signal);
  const timer =
    killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await gone;
  clearTimeout(timer);
}

/** True once a TCP connection to 127.0.0.1:`port` is greeted with a line starting `prefix`. */
export function greets(port: number, prefix: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('utf8').startsWith(prefix)));
  });
}

/** True once a TCP connection to 127.0.0.1:`port` is accepted (servers that greet nobody). */
export function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

/** True when a GET of `url` answers 2xx within a second. */
export async function answersHttp(url: string, headers?: Record<string, string>): Promise<boolean> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
}

export interface SpawnOptions {
  bin: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Also receives every chunk printed (e.g. one log for several processes). */
  sink?: (chunk: string) => void;
}

/** Spawns a process with its output captured, killed when the test process exits. */
export function spawnServer(options: SpawnOptions): ServerProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));
  }
  const child = spawn(options.bin, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env,
    cwd: options.cwd,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const capture = (chunk: string) => {
    output += chunk;
    options.sink?.(chunk);
  };
  child.stdout!.setEncoding('utf8').on('data', capture);
  child.stderr!.setEncoding('utf8').on('data', capture);
  child.on('error', (err) => capture(`spawn error: ${err.message}\n`));
  return { child, output: () => output };
}

export interface SpawnUntilReadyOptions extends SpawnOptions {
  /** The name in messages, e.g. `nats-server`. */
  name: string;
  installHint: string;
  readyTimeoutMs: number;
  /** Where it is awaited, for the timeout message, e.g. `on 127.0.0.1:4222`. */
  where: string;
  /** Polled until true; gets the output so far. Throwing fails the start. */
  isReady(output: string): Promise<boolean>;
  /** @default 50 */
  pollMs?: number;
}

/**
 * Spawns a server and waits until `isReady`. Fails (the process killed) when it cannot be
 * spawned (naming the install hint), exits first, or is not ready in time (with its output).
 */
export async function spawnUntilReady(options: SpawnUntilReadyOptions): Promise<ServerProcess> {
  const { name, installHint, readyTimeoutMs } = options;
  const server = spawnServer(options);
  const { child } = server;
  let spawnFailure: Error | undefined;
  child.once('error', (err) => (spawnFailure = err));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnFailure)
      throw new Error(`${name} failed to start (${spawnFailure.message}); ${installHint}`);
    if (hasExited(child)) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${server.output()}`,
      );
    }
    let ready: boolean;
    try {
      ready = await options.isReady(server.output());
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    if (ready) return server;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${name} not ready ${options.where} after ${readyTimeoutMs} ms:\n${server.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
  }
}

/**
 * A real varnishd for integration tests: one per caller, HTTP and management (CLI) ports
 * on free loopback ports, its working directory (`-n`) and secret file (`-S`) in a fresh
 * temp directory, run in the foreground (`-F`) as a child of the test. The binary comes
 * from `tools/infra/varnish.sh install` (Debian package `varnish`); a missing binary is an
 * error, never a skip.
 *
 * `-j none`: the tests run as root in a sandbox and the temp directory is private, so the
 * default jail (which drops to the `varnish` user) could not read it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Varnish {
  /** `127.0.0.1:<port>`: where clients send HTTP (with the Host header of a service domain). */
  readonly httpAddress: string;
  readonly httpPort: number;
  /** `127.0.0.1:<port>`: the management interface (varnishadm protocol). */
  readonly adminAddress: string;
  readonly adminPort: number;
  /** The `-S` file: what the management interface's `auth` challenge is answered with. */
  readonly secretFile: string;
  /** The `-n` working directory. */
  readonly workDir: string;
  /** Everything varnishd printed so far. */
  output(): string;
  /** Runs `varnishadm` against this instance (tests only: product code speaks the protocol itself). */
  adm(...args: string[]): string;
  /** SIGTERM, wait for the exit, delete the temp directory. */
  stop(): Promise<void>;
}

const binary = () =>
  process.env.POPPY_VARNISHD_BIN ??
  (fs.existsSync('/usr/sbin/varnishd') ? '/usr/sbin/varnishd' : 'varnishd');
const INSTALL_HINT = 'run `tools/infra/varnish.sh install` (Debian package varnish)';
const READY_TIMEOUT_MS = 20_000;

/** What varnishd serves until an adapter loads a configuration: 503 for every request. */
export const BOOT_VCL = `vcl 4.1;
backend poppy_none none;
sub vcl_recv { return (synth(503, "No service configured")); }
`;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function assertBinary(bin: string): void {
  const probe = spawnSync(bin, ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : `exit ${probe.status}: ${probe.stderr}`;
    throw new Error(`varnishd is not available (${bin}: ${why}); ${INSTALL_HINT}`);
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

/** True once the management port greets with an auth challenge (status 107). */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('utf8').startsWith('107 ')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startVarnish(options: { memoryMb?: number } = {}): Promise<Varnish> {
  const bin = binary();
  assertBinary(bin);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-varnish-'));
  const secretFile = path.join(dir, 'secret');
  fs.writeFileSync(secretFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  const bootFile = path.join(dir, 'boot.vcl');
  fs.writeFileSync(bootFile, BOOT_VCL);
  const workDir = path.join(dir, 'work');
  const httpPort = await freePort();
  const adminPort = await freePort();
  const args = [
    '-F',
    '-j',
    'none',
    '-a',
    `127.0.0.1:${httpPort}`,
    '-T',
    `127.0.0.1:${adminPort}`,
    '-S',
    secretFile,
    '-n',
    workDir,
    '-f',
    bootFile,
    '-s',
    `malloc,${options.memoryMb ?? 64}m`,
    // A failed backend fetch should fail fast in tests.
    '-p',
    'connect_timeout=2',
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let spawnFailure: Error | undefined;
  child.once('error', (err) => (spawnFailure = err));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnFailure)
      throw new Error(`varnishd failed to start (${spawnFailure.message}); ${INSTALL_HINT}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `varnishd exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`,
      );
    }
    if ((await greets(adminPort)) && output.includes('Child launched OK')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `varnishd not ready on 127.0.0.1:${adminPort} after ${READY_TIMEOUT_MS} ms:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    httpAddress: `127.0.0.1:${httpPort}`,
    httpPort,
    adminAddress: `127.0.0.1:${adminPort}`,
    adminPort,
    secretFile,
    workDir,
    output: () => output,
    adm: (...cmd: string[]) => {
      const r = spawnSync(
        'varnishadm',
        ['-T', `127.0.0.1:${adminPort}`, '-S', secretFile, ...cmd],
        { encoding: 'utf8' },
      );
      if (r.error) throw r.error;
      return `${r.stdout}${r.stderr}`;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

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
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertBinary, freePort, greets, spawnUntilReady, terminate } from './server-process';

export interface Varnish {
  /** `127.0.0.1:<port>`: where clients send HTTP (with the Host header of a service domain). */
  readonly httpAddress: string;
  readonly httpPort: number;
  /** `127.0.0.1:<port>` of the PROXY-protocol listener (a TLS front's backend), when asked for. */
  readonly proxyAddress?: string;
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

export async function startVarnish(
  options: {
    memoryMb?: number;
    /** Also listen with the PROXY protocol (`-a 127.0.0.1:<port>,PROXY`) for a TLS front. */
    proxyListener?: boolean;
  } = {},
): Promise<Varnish> {
  const bin = binary();
  assertBinary({ name: 'varnishd', bin, probeArgs: ['-V'], installHint: INSTALL_HINT });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-varnish-'));
  const secretFile = path.join(dir, 'secret');
  fs.writeFileSync(secretFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  const bootFile = path.join(dir, 'boot.vcl');
  fs.writeFileSync(bootFile, BOOT_VCL);
  const workDir = path.join(dir, 'work');
  const httpPort = await freePort();
  const adminPort = await freePort();
  const proxyPort = options.proxyListener ? await freePort() : undefined;
  const args = [
    '-F',
    '-j',
    'none',
    '-a',
    `127.0.0.1:${httpPort}`,
    ...(proxyPort ? ['-a', `127.0.0.1:${proxyPort},PROXY`] : []),
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
  const { child, output } = await spawnUntilReady({
    name: 'varnishd',
    bin,
    args,
    installHint: INSTALL_HINT,
    readyTimeoutMs: READY_TIMEOUT_MS,
    where: `on 127.0.0.1:${adminPort}`,
    // The management port greets with an auth challenge (status 107) once it is up.
    isReady: async (out) => (await greets(adminPort, '107 ')) && out.includes('Child launched OK'),
  });
  return {
    httpAddress: `127.0.0.1:${httpPort}`,
    httpPort,
    proxyAddress: proxyPort ? `127.0.0.1:${proxyPort}` : undefined,
    adminAddress: `127.0.0.1:${adminPort}`,
    adminPort,
    secretFile,
    workDir,
    output,
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
      await terminate(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

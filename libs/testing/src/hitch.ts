/**
 * A real hitch (the Varnish edge's TLS front) for integration tests: one per caller, its
 * TLS frontend on a free loopback port, forwarding to a varnishd listener (with the PROXY
 * protocol v2 when that listener is a `,PROXY` one). Its configuration, PID file, fallback
 * certificate and the `pem-dir` the provider-varnish adapter writes domain certificates
 * into live in a fresh temp directory; run in the foreground as a child of the test. The
 * binary comes from `tools/infra/varnish.sh install` (Debian package `hitch`); a missing
 * binary is an error, never a skip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acceptsTcp, assertBinary, freePort, spawnUntilReady, terminate } from './server-process';
import { makeSelfSignedCertificate } from './test-certificates';

export interface Hitch {
  /** `127.0.0.1:<port>`: where clients open TLS (with the SNI name of a domain). */
  readonly tlsAddress: string;
  readonly tlsPort: number;
  /** The `pem-dir`: one `<domain>.pem` (key + certificate) per domain. */
  readonly pemDir: string;
  /** hitch's `--pidfile`: SIGHUP to that PID reloads the certificates. */
  readonly pidFile: string;
  /** SHA-256 fingerprint of the fallback certificate (served to an unknown SNI name). */
  readonly fallbackFingerprint256: string;
  /** Everything hitch printed so far. */
  output(): string;
  /** SIGTERM, wait for the exit, delete the temp directory. */
  stop(): Promise<void>;
}

export interface StartHitchOptions {
  /** `host:port` of the varnishd listener hitch forwards to. */
  backend: string;
  /** The backend is a PROXY listener (`-a host:port,PROXY`): send a PROXY v2 header. */
  proxy: boolean;
}

const binary = () =>
  process.env.POPPY_HITCH_BIN ?? (fs.existsSync('/usr/sbin/hitch') ? '/usr/sbin/hitch' : 'hitch');
const INSTALL_HINT = 'run `tools/infra/varnish.sh install` (Debian package hitch)';
const READY_TIMEOUT_MS = 15_000;

/** The package's system user when there is one, else `nobody`. */
function workerUser(): string {
  const passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'utf8') : '';
  return /^_hitch:/m.test(passwd) ? '_hitch' : 'nobody';
}

export async function startHitch(options: StartHitchOptions): Promise<Hitch> {
  const bin = binary();
  assertBinary({ name: 'hitch', bin, probeArgs: ['--version'], installHint: INSTALL_HINT });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-hitch-'));
  const pemDir = path.join(dir, 'certs');
  fs.mkdirSync(pemDir, { mode: 0o700 });
  // hitch needs one certificate to start; this one answers names with no certificate.
  const fallback = await makeSelfSignedCertificate(['fallback.poppy.invalid']);
  const fallbackFile = path.join(dir, 'fallback.pem');
  fs.writeFileSync(fallbackFile, `${fallback.privateKeyPem}${fallback.certificatePem}`, {
    mode: 0o600,
  });
  const pidFile = path.join(dir, 'hitch.pid');
  const tlsPort = await freePort();
  const [backendHost, backendPort] = options.backend.split(':');
  const configFile = path.join(dir, 'hitch.conf');
  fs.writeFileSync(
    configFile,
    [
      `frontend = "[127.0.0.1]:${tlsPort}"`,
      `backend = "[${backendHost}]:${backendPort}"`,
      `pem-file = "${fallbackFile}"`,
      `pem-dir = "${pemDir}"`,
      `pem-dir-glob = "*.pem"`,
      'workers = 1',
      'daemon = off',
      `write-proxy-v2 = ${options.proxy ? 'on' : 'off'}`,
      // hitch's OCSP cache defaults to /var/lib/hitch; the test's certificates have no OCSP.
      `ocsp-dir = "${dir}"`,
      // hitch refuses to run workers as root: as root (the sandbox), its workers drop to
      // Debian's `_hitch` user after the certificates are loaded by the main process.
      ...(process.getuid?.() === 0 ? [`user = "${workerUser()}"`] : []),
      'log-level = 2',
      '',
    ].join('\n'),
  );
  const { child, output } = await spawnUntilReady({
    name: 'hitch',
    bin,
    args: ['--config', configFile, '--pidfile', pidFile],
    installHint: INSTALL_HINT,
    readyTimeoutMs: READY_TIMEOUT_MS,
    where: `on 127.0.0.1:${tlsPort}`,
    isReady: async () => fs.existsSync(pidFile) && (await acceptsTcp(tlsPort)),
  }).catch((error: unknown) => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    tlsAddress: `127.0.0.1:${tlsPort}`,
    tlsPort,
    pemDir,
    pidFile,
    fallbackFingerprint256: fallback.fingerprint256,
    output,
    stop: async () => {
      await terminate(child, 'SIGTERM', 5_000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A real ACME server (pebble) for integration tests, with its fake DNS server
 * (pebble-challtestsrv) answering every A query with 127.0.0.1, so pebble really
 * validates HTTP-01 challenges against the responder on `challengeHttpPort`. Free
 * loopback ports, a fresh directory, its own listener certificate (openssl). Binaries come
 * from `tools/infra/pebble.sh install`; a missing one is an error, never a skip.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {
  assertBinary,
  freePort,
  hasExited,
  spawnServer,
  spawnUntilReady,
  terminate,
} from './server-process';

export interface Pebble {
  /** `https://127.0.0.1:<port>/dir` */
  readonly directoryUrl: string;
  /** PEM of pebble's listener certificate: what an ACME client must trust. */
  readonly listenerCaPem: string;
  /** A file holding `listenerCaPem` (for POPPY_ACME_CA_FILE). */
  readonly listenerCaFile: string;
  /** The port pebble fetches HTTP-01 tokens from (on 127.0.0.1). */
  readonly challengeHttpPort: number;
  /** PEM of the root that issues this run's certificates (changes on every start). */
  issuingRootPem(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  /** Where the ACME client serves HTTP-01 tokens. @default a free port */
  challengeHttpPort?: number;
  /** PEBBLE_VA_ALWAYS_VALID: accept every challenge without looking. @default false */
  alwaysValid?: boolean;
  /**
   * `host:port` of the DNS server pebble resolves with (e.g. a test PowerDNS, for real
   * DNS-01). @default a pebble-challtestsrv answering every A query with 127.0.0.1
   */
  dnsServer?: string;
}

const INSTALL_HINT = 'run `tools/infra/pebble.sh install` (Debian package pebble, and openssl)';
const READY_TIMEOUT_MS = 15_000;

/** A free port on 127.0.0.1. */
export const freeLoopbackPort = freePort;

function assertInstalled(bin: string, probeArgs: string[]): void {
  assertBinary({ name: bin, bin, probeArgs, installHint: INSTALL_HINT, requireExitZero: false });
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}

export async function startPebble(options: PebbleOptions = {}): Promise<Pebble> {
  assertInstalled('pebble', ['-h']);
  assertInstalled('pebble-challtestsrv', ['-h']);
  assertInstalled('openssl', ['version']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-pebble-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const tls = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  if (tls.status !== 0)
    throw new Error(`openssl could not make pebble's listener certificate: ${tls.stderr}`);
  const [acmePort, mgmtPort, dnsPort, challMgmtPort, tlsPort] = await Promise.all(
    [1, 2, 3, 4, 5].map(() => freeLoopbackPort()),
  );
  const challengeHttpPort = options.challengeHttpPort ?? (await freeLoopbackPort());
  const configFile = path.join(dir, 'pebble.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: certFile,
        privateKey: keyFile,
        httpPort: challengeHttpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  let output = '';
  const sink = (s: string) => (output += s);
  const challtestsrvArgs = [
    '-dns01',
    `127.0.0.1:${dnsPort}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${challMgmtPort}`,
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
  ];
  const dns = options.dnsServer
    ? undefined
    : spawnServer({ bin: 'pebble-challtestsrv', args: challtestsrvArgs, sink }).child;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
  };
  if (options.alwaysValid) env.PEBBLE_VA_ALWAYS_VALID = '1';
  const listenerCaPem = fs.readFileSync(certFile, 'utf8');
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  const processes: ChildProcess[] = dns ? [dns] : [];
  const stop = async () => {
    for (const proc of processes) await terminate(proc);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const acme = await spawnUntilReady({
      name: 'pebble',
      bin: 'pebble',
      args: ['-config', configFile, '-dnsserver', options.dnsServer ?? `127.0.0.1:${dnsPort}`],
      env,
      sink,
      installHint: INSTALL_HINT,
      readyTimeoutMs: READY_TIMEOUT_MS,
      where: `at ${directoryUrl}`,
      isReady: async () => {
        if (dns && hasExited(dns))
          throw new Error(
            `pebble exited (${dns.spawnfile}: ${dns.exitCode ?? dns.signalCode}) before it was ready; ${INSTALL_HINT}\n${output}`,
          );
        return httpsGet(directoryUrl, listenerCaPem).then(
          (r) => r.status === 200,
          () => false,
        );
      },
    });
    processes.unshift(acme.child);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    directoryUrl,
    listenerCaPem,
    listenerCaFile: certFile,
    challengeHttpPort,
    issuingRootPem: async () => {
      const res = await httpsGet(`https://127.0.0.1:${mgmtPort}/roots/0`, listenerCaPem);
      if (res.status !== 200) throw new Error(`pebble /roots/0 answered ${res.status}`);
      return res.body;
    },
    output: () => output,
    stop,
  };
}

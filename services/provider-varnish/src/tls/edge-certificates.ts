/**
 * Certificates at the Varnish edge's TLS front (issue 15): Varnish Cache does not terminate
 * TLS, hitch (Debian package `hitch`, >= 1.5 for `pem-dir`) does, in front of varnishd.
 * hitch reads every `*.pem` of its `pem-dir` (key + certificate chain) and picks one by SNI;
 * SIGHUP makes it load the directory again in new workers while the old workers finish the
 * connections they hold (hitch's "uninterrupted configuration reload"), so a renewal swaps
 * the certificate without dropping a connection. Setup: services/provider-varnish/README.md.
 *
 * - install: check the pair (key matches, names the domain, not expired), write
 *   `<domain>.pem` (0600) atomically, SIGHUP hitch; with a TLS address configured, then
 *   wait until a handshake with the domain's SNI sees this certificate.
 * - remove: delete the file, SIGHUP, and (with the address) wait until it is no longer served.
 * Installing the same pair again rewrites the same file: a redelivered job makes nothing new.
 * The private key is written to the file only: never logged, never in a message.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { providerV1 } from '@poppy/contracts';
import { InvalidCertificateError, TlsFrontError } from '../varnish-errors';

/** `cert_details` keys of the PEM pair (the convention of the Fastly and Cloudflare adapters). */
export const CERTIFICATE_PEM = 'certificate_pem';
export const PRIVATE_KEY_PEM = 'private_key_pem';

export interface EdgeCertificatesOptions {
  /** hitch's `pem-dir`. */
  pemDir: string;
  /** Makes hitch load the directory again (SIGHUP to its main process). */
  reload(): Promise<void>;
  /** `host:port` of hitch's frontend: when set, a change is confirmed by a real handshake. */
  tlsAddress?: { host: string; port: number };
  /** How long to wait for hitch to serve the change. @default 10000 */
  confirmTimeoutMs?: number;
}

export interface CertificatePair {
  domain: string;
  /** Key, then the certificate chain (leaf first): hitch's PEM file layout. */
  bundle: string;
  fingerprint256: string;
  serial: string;
  notAfter: string;
}

const HOST_LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN = new RegExp(`^(\\*\\.)?${HOST_LABEL}(\\.${HOST_LABEL})+$`);

export function normalizeDomain(raw: string): string {
  const domain = raw.trim().toLowerCase();
  if (!DOMAIN.test(domain) || domain.length > 253)
    throw new InvalidCertificateError(`'${raw}' is not a domain name`);
  return domain;
}

/** A name the domain covers, for SNI and checkHost (a wildcard's own form is not a host name). */
export function sniNameFor(domain: string): string {
  return domain.startsWith('*.') ? `poppy-check.${domain.slice(2)}` : domain;
}

/** `<domain>.pem`; `*.example.com` → `_.example.com.pem` (`_` is in no host name, so no clash). */
export function pemFileNameFor(domain: string): string {
  return `${domain.replace(/^\*\./, '_.')}.pem`;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Checks that the edge can serve `certificatePem` + `privateKeyPem` for `domain`, at `now`. */
export function readCertificatePair(
  rawDomain: string,
  certificatePem: string,
  privateKeyPem: string,
  now = new Date(),
): CertificatePair {
  const domain = normalizeDomain(rawDomain);
  const chain = certificatePem.match(PEM_CERTIFICATE) ?? [];
  const [first, ...intermediates] = chain;
  if (first === undefined)
    throw new InvalidCertificateError(`${CERTIFICATE_PEM} holds no PEM certificate`);
  let leaf: crypto.X509Certificate;
  try {
    leaf = new crypto.X509Certificate(first);
    intermediates.forEach((c) => new crypto.X509Certificate(c));
  } catch {
    throw new InvalidCertificateError(`${CERTIFICATE_PEM} is not a readable X.509 certificate`);
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(privateKeyPem);
  } catch {
    // The parser's message is not repeated: nothing of the key goes into a message.
    throw new InvalidCertificateError(`${PRIVATE_KEY_PEM} is not a readable PEM private key`);
  }
  if (!leaf.checkPrivateKey(key))
    throw new InvalidCertificateError('the private key does not belong to the certificate');
  if (!leaf.checkHost(sniNameFor(domain)))
    throw new InvalidCertificateError(`the certificate does not name ${domain}`);
  if (new Date(leaf.validTo) <= now)
    throw new InvalidCertificateError(`the certificate expired on ${leaf.validTo}`);
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    domain,
    bundle: `${keyPem.trim()}\n${chain.join('\n')}\n`,
    fingerprint256: leaf.fingerprint256,
    serial: leaf.serialNumber,
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

/** The certificate hitch serves for `servername` (its SHA-256 fingerprint). */
export function servedFingerprint(
  address: { host: string; port: number },
  servername: string,
  timeoutMs = 2000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: address.host,
      port: address.port,
      servername,
      // Only the certificate's identity is compared; trust is the tenant's CA's business.
      rejectUnauthorized: false,
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

export class EdgeCertificates {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EdgeCertificatesOptions) {}

  install(
    certificate: providerV1.Certificate | undefined,
  ): Promise<providerV1.CreateCertificateResponse> {
    const details = certificate?.cert_details ?? {};
    const certificatePem = details[CERTIFICATE_PEM] ?? '';
    const privateKeyPem = details[PRIVATE_KEY_PEM] ?? '';
    if (!certificatePem || !privateKeyPem)
      return Promise.reject(
        new InvalidCertificateError(
          `the edge installs a certificate and key it is given (cert_details ${CERTIFICATE_PEM} and ${PRIVATE_KEY_PEM}); none came with ${certificate?.domain_name ?? 'the request'}`,
        ),
      );
    return this.serialised(async () => {
      const pair = readCertificatePair(
        certificate?.domain_name ?? '',
        certificatePem,
        privateKeyPem,
      );
      const file = path.join(this.options.pemDir, pemFileNameFor(pair.domain));
      writeAtomically(file, pair.bundle);
      await this.reload();
      await this.confirm(pair.domain, (served) => served === pair.fingerprint256, 'serve it');
      return {
        cert_domain: pair.domain,
        extra_info_json: JSON.stringify({
          status: 'deployed',
          pem_file: file,
          fingerprint_sha256: pair.fingerprint256,
          serial: pair.serial,
          not_after: pair.notAfter,
        }),
      };
    });
  }

  remove(
    certificate: providerV1.Certificate | undefined,
  ): Promise<providerV1.DeleteCertificateResponse> {
    return this.serialised(async () => {
      const domain = normalizeDomain(certificate?.domain_name ?? '');
      const file = path.join(this.options.pemDir, pemFileNameFor(domain));
      let served: string | undefined;
      try {
        served = new crypto.X509Certificate(fs.readFileSync(file)).fingerprint256;
        fs.unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      // Reloaded even when the file was gone already: an earlier run may have died before it.
      await this.reload();
      if (served) await this.confirm(domain, (now) => now !== served, 'stop serving it');
      return { cert_domain: domain, extra_info_json: JSON.stringify({ status: 'deleted' }) };
    });
  }

  private async reload(): Promise<void> {
    try {
      await this.options.reload();
    } catch (error) {
      throw new TlsFrontError(`reload failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Waits until a handshake for `domain` sees what `done` wants (when an address is set). */
  private async confirm(
    domain: string,
    done: (fingerprint: string) => boolean,
    what: string,
  ): Promise<void> {
    const address = this.options.tlsAddress;
    if (!address) return;
    const deadline = Date.now() + (this.options.confirmTimeoutMs ?? 10_000);
    let last = 'no handshake yet';
    for (;;) {
      try {
        const fingerprint = await servedFingerprint(address, sniNameFor(domain));
        if (done(fingerprint)) return;
        last = `it still serves ${fingerprint}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline)
        throw new TlsFrontError(
          `hitch at ${address.host}:${address.port} did not ${what} for ${domain} in time (${last}); see hitch's log`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private serialised<R>(run: () => Promise<R>): Promise<R> {
    const promise = this.chain.then(run, run);
    this.chain = promise.catch(() => undefined);
    return promise;
  }
}

/** Written beside the target under a name hitch's `*.pem` glob skips, then renamed over it. */
function writeAtomically(file: string, content: string): void {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${crypto.randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    fs.writeFileSync(temp, content, { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new TlsFrontError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** SIGHUP to the PID in hitch's `--pidfile`. */
export function hitchReloadByPidFile(pidFile: string): () => Promise<void> {
  return async () => {
    const raw = fs.readFileSync(pidFile, 'utf8').trim();
    const pid = Number(raw);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${pidFile} holds no PID ('${raw}')`);
    process.kill(pid, 'SIGHUP');
  };
}

/**
 * Managed certificates from an internal CA, for one machine without an ACME server
 * (`npm start`, POPPY_CERTIFICATES_ISSUER=local; README "Configuration"). The CA is made
 * at first start and kept in the data directory (local-ca.pem, local-ca.key.pem, mode
 * 0600), so certificates issued before a restart still chain to it. A domain's
 * certificate is issued at once, without validation: this is for development and tests,
 * ACME (acme-issuer.ts) is the production path.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@poppy/platform';
import * as x509 from '../x509';
import type { IssuedCertificate, Issuer } from '../acme/issuer';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
const CA_FILE = 'local-ca.pem';
const CA_KEY_FILE = 'local-ca.key.pem';

export interface LocalIssuerOptions {
  /** Where the CA is kept. */
  dataDir: string;
  /** Validity of an issued certificate. @default 90 days (like Let's Encrypt) */
  validityDays?: number;
  logger: Logger;
  now?: () => Date;
}

interface LocalCa {
  cert: x509.X509Certificate;
  privateKey: crypto.webcrypto.CryptoKey;
}

function generateKeys(): Promise<crypto.webcrypto.CryptoKeyPair> {
  return crypto.webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ]) as Promise<crypto.webcrypto.CryptoKeyPair>;
}

async function privateKeyPem(key: crypto.webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await crypto.webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

export class LocalIssuer implements Issuer {
  readonly name = 'Local';
  private ca?: Promise<LocalCa>;
  private readonly now: () => Date;

  constructor(private readonly options: LocalIssuerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The CA's certificate (PEM), made on first use. */
  async caPem(): Promise<string> {
    return (await this.loadCa()).cert.toString('pem');
  }

  async issue(domainName: string): Promise<IssuedCertificate> {
    const ca = await this.loadCa();
    const keys = await generateKeys();
    const now = this.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: crypto
        .randomBytes(12)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      subject: `CN=${domainName}`,
      issuer: ca.cert.subject,
      // An hour back: clocks of the machines that check it may lag a little.
      notBefore: new Date(now.getTime() - 3_600_000),
      notAfter: new Date(now.getTime() + (this.options.validityDays ?? 90) * DAY),
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: domainName }]),
      ],
    });
    this.options.logger.info(
      { domain: domainName, notAfter: cert.notAfter.toISOString() },
      'certificate issued by the local CA',
    );
    return {
      certificatePem: `${cert.toString('pem')}\n${ca.cert.toString('pem')}\n`,
      privateKeyPem: await privateKeyPem(keys.privateKey),
    };
  }

  private loadCa(): Promise<LocalCa> {
    this.ca ??= this.readOrCreateCa();
    return this.ca;
  }

  private async readOrCreateCa(): Promise<LocalCa> {
    const certFile = path.join(this.options.dataDir, CA_FILE);
    const keyFile = path.join(this.options.dataDir, CA_KEY_FILE);
    if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
      const cert = new x509.X509Certificate(fs.readFileSync(certFile, 'utf8'));
      const pkcs8 = x509.PemConverter.decodeFirst(fs.readFileSync(keyFile, 'utf8'));
      const privateKey = await crypto.webcrypto.subtle.importKey('pkcs8', pkcs8, ALG, false, [
        'sign',
      ]);
      return { cert, privateKey };
    }
    const keys = await generateKeys();
    const now = this.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=Poppy-TS local CA ${crypto.randomBytes(4).toString('hex')}`,
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() + 10 * 365 * DAY),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
      ],
    });
    fs.mkdirSync(this.options.dataDir, { recursive: true });
    fs.writeFileSync(keyFile, await privateKeyPem(keys.privateKey), { mode: 0o600 });
    fs.writeFileSync(certFile, cert.toString('pem'));
    this.options.logger.info({ caFile: certFile }, 'local CA created');
    return { cert, privateKey: keys.privateKey };
  }
}

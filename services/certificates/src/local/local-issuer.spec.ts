import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@poppy/platform';
import * as x509 from '../x509';
import { LocalIssuer } from './local-issuer';

const logger = createLogger('local-issuer-test', 'silent');
const DAY = 86_400_000;

function certificatesOf(chainPem: string): x509.X509Certificate[] {
  return chainPem
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
    .map((pem) => new x509.X509Certificate(pem));
}

describe('LocalIssuer', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-local-issuer-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('issues a certificate for the domain that chains to its CA, valid for 90 days from now', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const issuer = new LocalIssuer({ dataDir, logger, now: () => now });
    const issued = await issuer.issue('www.example.com');

    const [leaf, caInChain] = certificatesOf(issued.certificatePem);
    const ca = new x509.X509Certificate(await issuer.caPem());
    expect(caInChain.equal(ca)).toBe(true);
    expect(leaf.issuer).toBe(ca.subject);
    expect(await leaf.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.items.map((n) => n.value)).toEqual(['www.example.com']);
    expect(leaf.notAfter.getTime()).toBe(now.getTime() + 90 * DAY);
    expect(leaf.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(leaf.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(false);

    // The private key belongs to the leaf (node:crypto checks the pair).
    const key = crypto.createPrivateKey(issued.privateKeyPem);
    expect(new crypto.X509Certificate(leaf.toString('pem')).checkPrivateKey(key)).toBe(true);
  });

  it('keeps its CA in the data directory: a new instance issues under the same CA', async () => {
    const first = new LocalIssuer({ dataDir, logger });
    const caPem = await first.caPem();
    expect(fs.statSync(path.join(dataDir, 'local-ca.key.pem')).mode & 0o077).toBe(0);
    const second = new LocalIssuer({ dataDir, logger });
    expect(await second.caPem()).toBe(caPem);
    const [leaf] = certificatesOf((await second.issue('shop.example.org')).certificatePem);
    const ca = new x509.X509Certificate(caPem);
    expect(await leaf.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
  });

  it('issues a fresh key and serial each time (a renewal replaces the certificate)', async () => {
    const issuer = new LocalIssuer({ dataDir, logger });
    const a = await issuer.issue('a.example.com');
    const b = await issuer.issue('a.example.com');
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
    expect(certificatesOf(a.certificatePem)[0].serialNumber).not.toBe(
      certificatesOf(b.certificatePem)[0].serialNumber,
    );
  });
});

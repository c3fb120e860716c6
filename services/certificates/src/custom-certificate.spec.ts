import { isPoppyError } from '@poppy/domain';
import { hostnameMatches, validateCustomCertificate } from './custom-certificate';
import { DAY, makeCa, makeLeaf, type TestCert } from './test-certificates.test-helper';

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (isPoppyError(error) && error.kind === 'invalid') return String(error.message);
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('hostnameMatches', () => {
  it.each([
    ['www.example.com', 'www.example.com', true],
    ['WWW.Example.com', 'www.example.COM', true],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'example.com', false],
    ['www.example.com', 'www.example.org', false],
  ])('%s covers %s: %s', (pattern, host, expected) => {
    expect(hostnameMatches(pattern, host)).toBe(expected);
  });
});

describe('validateCustomCertificate', () => {
  let ca: TestCert;
  let other: TestCert;
  beforeAll(async () => {
    ca = await makeCa('Test CA');
    other = await makeCa('Other CA');
  });

  it('accepts a leaf + its CA with the matching key, and reports expiry and names', async () => {
    const leaf = await makeLeaf(ca, { names: ['www.example.com', 'example.com'] });
    const ok = await validateCustomCertificate({
      domainName: 'www.example.com',
      certificatePem: leaf.pem + ca.pem,
      privateKeyPem: leaf.keyPem,
    });
    expect(ok.hostnames).toEqual(['www.example.com', 'example.com']);
    expect(ok.notAfter.getTime()).toBe(leaf.cert.notAfter.getTime());
    expect(ok.certificatePem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('accepts a wildcard certificate for a one-label subdomain', async () => {
    const leaf = await makeLeaf(ca, { names: ['*.example.com'] });
    await expect(
      validateCustomCertificate({
        domainName: 'cdn.example.com',
        certificatePem: leaf.pem,
        privateKeyPem: leaf.keyPem,
      }),
    ).resolves.toBeDefined();
  });

  it('refuses an expired certificate, saying when it expired', async () => {
    const leaf = await makeLeaf(ca, {
      names: ['www.example.com'],
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const message = await rejection(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: leaf.pem,
        privateKeyPem: leaf.keyPem,
      }),
    );
    expect(message).toMatch(/^The certificate expired on \d{4}-\d\d-\d\dT/);
  });

  it('refuses a certificate that is not yet valid', async () => {
    const leaf = await makeLeaf(ca, {
      names: ['www.example.com'],
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 10 * DAY),
    });
    const message = await rejection(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: leaf.pem,
        privateKeyPem: leaf.keyPem,
      }),
    );
    expect(message).toMatch(/^The certificate is not valid before /);
  });

  it('refuses a certificate for another host, naming the hosts it covers', async () => {
    const leaf = await makeLeaf(ca, { names: ['shop.example.org'] });
    const message = await rejection(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: leaf.pem,
        privateKeyPem: leaf.keyPem,
      }),
    );
    expect(message).toBe(
      'The certificate does not cover www.example.com: it is for shop.example.org',
    );
  });

  it('falls back to the CN when the certificate has no SAN', async () => {
    const leaf = await makeLeaf(ca, { names: [], cn: 'www.example.com' });
    await expect(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: leaf.pem,
        privateKeyPem: leaf.keyPem,
      }),
    ).resolves.toBeDefined();
  });

  it('refuses a key that belongs to another certificate, without quoting the key', async () => {
    const leaf = await makeLeaf(ca, { names: ['www.example.com'] });
    const stranger = await makeLeaf(ca, { names: ['www.example.com'] });
    const message = await rejection(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: leaf.pem,
        privateKeyPem: stranger.keyPem,
      }),
    );
    expect(message).toBe(
      'The private key does not match the certificate (the first certificate of the chain)',
    );
  });

  it('refuses a chain whose second certificate did not sign the first', async () => {
    const leaf = await makeLeaf(ca, { names: ['www.example.com'] });
    const message = await rejection(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: leaf.pem + other.pem,
        privateKeyPem: leaf.keyPem,
      }),
    );
    expect(message).toMatch(
      /^The chain is out of order or incomplete: certificate 1 .* is not signed by certificate 2 \(CN=Other CA\)/,
    );
  });

  it('refuses a chain given CA first (the key then matches no leaf)', async () => {
    const leaf = await makeLeaf(ca, { names: ['www.example.com'] });
    const message = await rejection(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: ca.pem + leaf.pem,
        privateKeyPem: leaf.keyPem,
      }),
    );
    expect(message).toMatch(/does not match the certificate/);
  });

  it('refuses text that is not PEM, and a garbled key, with messages free of key material', async () => {
    const leaf = await makeLeaf(ca, { names: ['www.example.com'] });
    expect(
      await rejection(
        validateCustomCertificate({
          domainName: 'www.example.com',
          certificatePem: 'hello',
          privateKeyPem: leaf.keyPem,
        }),
      ),
    ).toMatch(/BEGIN CERTIFICATE/);
    const garbled = '-----BEGIN PRIVATE KEY-----\nAAAAsecretBBBB\n-----END PRIVATE KEY-----\n';
    const message = await rejection(
      validateCustomCertificate({
        domainName: 'www.example.com',
        certificatePem: leaf.pem,
        privateKeyPem: garbled,
      }),
    );
    expect(message).toBe(
      'The private key could not be read (not a valid, unencrypted PEM private key)',
    );
    expect(message).not.toContain('secret');
  });
});

import crypto from 'node:crypto';
import { makeSelfSignedCertificate } from '@poppy/testing';
import { InvalidCertificateError } from '../varnish-errors';
import {
  normalizeDomain,
  pemFileNameFor,
  readCertificatePair,
  sniNameFor,
} from './edge-certificates';

describe('readCertificatePair', () => {
  it('accepts a matching pair for its domain: key first, then the chain, and the leaf identity', async () => {
    const cert = await makeSelfSignedCertificate(['www.example.test']);

    const pair = readCertificatePair(' WWW.example.test ', cert.certificatePem, cert.privateKeyPem);

    expect(pair.domain).toBe('www.example.test');
    expect(pair.fingerprint256).toBe(cert.fingerprint256);
    expect(pair.serial.toLowerCase()).toBe(cert.serial.toLowerCase());
    expect(pair.bundle.indexOf('PRIVATE KEY')).toBeLessThan(pair.bundle.indexOf('CERTIFICATE'));
    // The bundle is what hitch reads: a key and a certificate node parses back.
    expect(crypto.createPrivateKey(pair.bundle).asymmetricKeyType).toBe('ec');
    expect(new crypto.X509Certificate(pair.bundle).fingerprint256).toBe(cert.fingerprint256);
  });

  it('accepts a wildcard certificate for a wildcard domain', async () => {
    const cert = await makeSelfSignedCertificate(['*.example.test']);
    expect(
      readCertificatePair('*.example.test', cert.certificatePem, cert.privateKeyPem).domain,
    ).toBe('*.example.test');
  });

  it.each([
    ['another name', 'other.example.test', undefined, /does not name other\.example\.test/],
    ['a key of another certificate', 'www.example.test', 'other-key', /does not belong/],
    ['no certificate', 'www.example.test', 'no-cert', /holds no PEM certificate/],
    ['no key', 'www.example.test', 'no-key', /not a readable PEM private key/],
    ['a bad domain', 'not a domain', undefined, /is not a domain name/],
  ])('refuses %s', async (_what, domain, variant, message) => {
    const cert = await makeSelfSignedCertificate(['www.example.test']);
    const other = await makeSelfSignedCertificate(['www.example.test']);
    const certificatePem = variant === 'no-cert' ? 'garbage' : cert.certificatePem;
    const keyPem =
      variant === 'other-key'
        ? other.privateKeyPem
        : variant === 'no-key'
          ? 'garbage'
          : cert.privateKeyPem;
    const run = () => readCertificatePair(domain, certificatePem, keyPem);
    expect(run).toThrow(InvalidCertificateError);
    expect(run).toThrow(message);
  });

  it('refuses an expired certificate', async () => {
    const cert = await makeSelfSignedCertificate(['www.example.test']);
    const later = new Date(Date.now() + 365 * 86_400_000);
    expect(() =>
      readCertificatePair('www.example.test', cert.certificatePem, cert.privateKeyPem, later),
    ).toThrow(/expired/);
  });
});

describe('file and SNI names', () => {
  it('names a wildcard file with _ (in no host name) and checks it with a name it covers', () => {
    expect(pemFileNameFor('www.example.test')).toBe('www.example.test.pem');
    expect(pemFileNameFor('*.example.test')).toBe('_.example.test.pem');
    expect(sniNameFor('*.example.test')).toBe('poppy-check.example.test');
    expect(() => normalizeDomain('../etc/passwd')).toThrow(InvalidCertificateError);
  });
});

/**
 * Self-signed TLS certificates made at test time (ECDSA P-256, @peculiar/x509): for TLS
 * fronts that need a certificate to start and for tests that install one and check which
 * one a handshake sees.
 */
import 'reflect-metadata'; // @peculiar/x509 needs the Reflect metadata polyfill first (its README).
import crypto from 'node:crypto';
import * as x509 from '@peculiar/x509';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface SelfSignedCertificate {
  /** The certificate, PEM. */
  certificatePem: string;
  /** Its PKCS#8 private key, PEM. */
  privateKeyPem: string;
  /** Hex serial number (lower case; X509Certificate.serialNumber prints it upper case). */
  serial: string;
  /** SHA-256 fingerprint as node's `tls` reports it (`AA:BB:...`). */
  fingerprint256: string;
}

/** A leaf for `names` (subject alternative names; CN = the first), valid from yesterday for 90 days. */
export async function makeSelfSignedCertificate(names: string[]): Promise<SelfSignedCertificate> {
  const keys = (await crypto.webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as crypto.webcrypto.CryptoKeyPair;
  // A positive serial (first byte 01) of whole bytes, as X509Certificate.serialNumber prints it.
  const serial = `01${crypto.randomBytes(8).toString('hex')}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=${names[0] ?? 'poppy-test'}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 90 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns', value }))),
    ],
  });
  const pkcs8 = await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  // Each PEM ends with a newline, so that concatenating them (key + chain) stays valid PEM.
  const certificatePem = `${cert.toString('pem').trim()}\n`;
  return {
    certificatePem,
    privateKeyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY').trim()}\n`,
    serial,
    fingerprint256: new crypto.X509Certificate(certificatePem).fingerprint256,
  };
}

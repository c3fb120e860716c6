/** Certificates made at test time with @peculiar/x509 (ECDSA P-256): a CA and leaves it signs. */
import crypto from 'node:crypto';
import * as x509 from './x509';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface TestCert {
  cert: x509.X509Certificate;
  keys: crypto.webcrypto.CryptoKeyPair;
  pem: string;
  keyPem: string;
}

async function keyPem(keys: crypto.webcrypto.CryptoKeyPair): Promise<string> {
  const pkcs8 = await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function generateKeys(): Promise<crypto.webcrypto.CryptoKeyPair> {
  return crypto.webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ]) as Promise<crypto.webcrypto.CryptoKeyPair>;
}

export async function makeCa(name = 'Test CA'): Promise<TestCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return { cert, keys, pem: cert.toString('pem'), keyPem: await keyPem(keys) };
}

export async function makeLeaf(
  issuer: TestCert,
  options: { names: string[]; notBefore?: Date; notAfter?: Date; cn?: string },
): Promise<TestCert> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: crypto.randomBytes(8).toString('hex'),
    subject: `CN=${options.cn ?? options.names[0] ?? 'leaf'}`,
    issuer: issuer.cert.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 90 * DAY),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ALG,
    extensions:
      options.names.length > 0
        ? [
            new x509.SubjectAlternativeNameExtension(
              options.names.map((value) => ({ type: 'dns' as const, value })),
            ),
          ]
        : [],
  });
  return { cert, keys, pem: cert.toString('pem'), keyPem: await keyPem(keys) };
}

export { DAY };

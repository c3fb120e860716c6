/**
 * Validation of an uploaded (custom) certificate: a PEM chain, leaf first, and the leaf's
 * private key. Every rule answers with a message a customer can act on (a PoppyError
 * `invalid` → HTTP 400); nothing here ever puts the key, or any part of it, in a message.
 */
import crypto from 'node:crypto';
import * as x509 from './x509';
import { invalid } from '@poppy/domain';

export interface ValidatedCustomCertificate {
  /** The chain as given, normalised to one PEM block per certificate. */
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  /** The leaf's DNS names (SAN, else CN). */
  hostnames: string[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Does `pattern` (a certificate DNS name, maybe `*.example.com`) cover `host`? One label per wildcard (RFC 6125 §6.4.3). */
export function hostnameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const suffix = p.slice(1); // ".example.com"
  if (!h.endsWith(suffix)) return false;
  const label = h.slice(0, h.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

function leafHostnames(leaf: x509.X509Certificate): string[] {
  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
  const dns = san ? san.names.items.filter((n) => n.type === 'dns').map((n) => n.value) : [];
  if (dns.length > 0) return dns;
  return leaf.subjectName.getField('CN');
}

function parseChain(pem: string): x509.X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0)
    throw invalid('The certificate must be PEM text with at least one "BEGIN CERTIFICATE" block');
  return blocks.map((block, i) => {
    try {
      return new x509.X509Certificate(block);
    } catch {
      throw invalid(`Certificate ${i + 1} of the chain is not a valid X.509 certificate`);
    }
  });
}

function parsePrivateKey(pem: string): crypto.KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw invalid('The private key must be an unencrypted PEM private key ("BEGIN PRIVATE KEY")');
  }
  try {
    return crypto.createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message may quote key material: say only what is wrong.
    throw invalid('The private key could not be read (not a valid, unencrypted PEM private key)');
  }
}

export async function validateCustomCertificate(
  input: { domainName: string; certificatePem: string; privateKeyPem: string },
  now: Date = new Date(),
): Promise<ValidatedCustomCertificate> {
  if (!input.certificatePem?.trim())
    throw invalid('A custom certificate needs "certificate": the PEM chain, leaf first');
  if (!input.privateKeyPem?.trim())
    throw invalid('A custom certificate needs "private_key": the PEM private key of the leaf');
  const chain = parseChain(input.certificatePem);
  const leaf = chain[0];
  const key = parsePrivateKey(input.privateKeyPem);

  for (const [i, cert] of chain.entries()) {
    const which = i === 0 ? 'The certificate' : `Chain certificate ${i + 1} (${cert.subject})`;
    if (cert.notAfter.getTime() <= now.getTime()) {
      throw invalid(`${which} expired on ${cert.notAfter.toISOString()}`);
    }
    if (cert.notBefore.getTime() > now.getTime()) {
      throw invalid(`${which} is not valid before ${cert.notBefore.toISOString()}`);
    }
  }

  const keySpki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(leaf.publicKey.rawData).equals(keySpki)) {
    throw invalid(
      'The private key does not match the certificate (the first certificate of the chain)',
    );
  }

  const hostnames = leafHostnames(leaf);
  if (!hostnames.some((name) => hostnameMatches(name, input.domainName))) {
    throw invalid(
      `The certificate does not cover ${input.domainName}: it is for ${hostnames.join(', ') || 'no DNS name'}`,
    );
  }

  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i];
    const parent = chain[i + 1];
    const signed =
      child.issuer === parent.subject &&
      (await child.verify({ publicKey: parent.publicKey, signatureOnly: true }).catch(() => false));
    if (!signed) {
      throw invalid(
        `The chain is out of order or incomplete: certificate ${i + 1} (${child.subject}) is not signed by certificate ${i + 2} (${parent.subject}); give the leaf first, then each issuer`,
      );
    }
  }

  return {
    certificatePem: chain.map((c) => c.toString('pem')).join('\n') + '\n',
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    hostnames,
  };
}

/** Where managed certificates come from: one port, so the logic is tested without a CA. */
export interface IssuedCertificate {
  /** Leaf first, then intermediates. */
  certificatePem: string;
  /** Secret. */
  privateKeyPem: string;
}

export interface Issuer {
  /** Shown in cert_details as the issuer's key ("ACME"). */
  readonly name: string;
  issue(domainName: string): Promise<IssuedCertificate>;
}

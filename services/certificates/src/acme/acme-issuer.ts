/**
 * Managed certificates from an ACME CA (Let's Encrypt in production, pebble in tests)
 * with `acme-client`, validated by HTTP-01 (the service's own challenge server) or DNS-01
 * (a TXT record through the dns service), see challenge-responders.ts.
 * The CA's listener certificate is trusted explicitly (POPPY_ACME_CA_FILE) on the
 * client's own HTTPS agent — never by switching TLS checks off process-wide.
 */
import https from 'node:https';
import * as acme from 'acme-client';
import type { Logger } from '@poppy/platform';
import type { ChallengeResponder } from './challenge-responders';
import type { IssuedCertificate, Issuer } from './issuer';

export interface AcmeIssuerOptions {
  directoryUrl: string;
  /** PEM of the CA that signed the ACME server's TLS certificate, when not a public one. */
  caPem?: string;
  email?: string;
  responder: ChallengeResponder;
  logger: Logger;
}

export class AcmeIssuer implements Issuer {
  readonly name = 'ACME';
  private client?: Promise<acme.Client>;

  constructor(private readonly options: AcmeIssuerOptions) {
    if (options.caPem)
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: options.caPem, keepAlive: true });
  }

  /** One account per process, created on first use (and again after a failure). */
  private account(): Promise<acme.Client> {
    if (!this.client) {
      this.client = (async () => {
        const client = new acme.Client({
          directoryUrl: this.options.directoryUrl,
          accountKey: await acme.crypto.createPrivateEcdsaKey(),
          // acme-client polls pending orders from 5 s up by default; most CAs finish far sooner.
          backoffMin: 200,
          backoffMax: 10_000,
          backoffAttempts: 12,
        });
        await client.createAccount({
          termsOfServiceAgreed: true,
          contact: this.options.email ? [`mailto:${this.options.email}`] : undefined,
        });
        return client;
      })();
      this.client.catch(() => (this.client = undefined));
    }
    return this.client;
  }

  async issue(domainName: string): Promise<IssuedCertificate> {
    const client = await this.account();
    const [key, csr] = await acme.crypto.createCsr(
      { commonName: domainName, altNames: [domainName] },
      await acme.crypto.createPrivateEcdsaKey(),
    );
    const responder = this.options.responder;
    const certificatePem = await client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: [responder.type],
      // The CA checks the challenge itself; acme-client's own pre-check would ask public DNS,
      // which need not point here (HTTP-01) or see the TXT record yet (DNS-01).
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        if (challenge.type !== responder.type)
          throw new Error(`unsupported challenge ${challenge.type}`);
        await responder.publish(authz.identifier.value, challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (authz, challenge, keyAuthorization) => {
        await responder.withdraw(authz.identifier.value, challenge.token, keyAuthorization);
      },
    });
    this.options.logger.info({ domain: domainName }, 'certificate issued by ACME');
    return { certificatePem, privateKeyPem: key.toString() };
  }
}

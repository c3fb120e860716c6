/**
 * Managed certificates from an ACME CA (Let's Encrypt in production, pebble in tests)
 * with `acme-client`, validated by HTTP-01 through the service's own challenge server.
 * The CA's listener certificate is trusted explicitly (POPPY_ACME_CA_FILE) on the
 * client's own HTTPS agent — never by switching TLS checks off process-wide.
 */
import https from 'node:https';
import * as acme from 'acme-client';
import type { Logger } from '@poppy/platform';
import type { ChallengeServer } from './challenge-server';
import type { IssuedCertificate, Issuer } from './issuer';

export interface AcmeIssuerOptions {
  directoryUrl: string;
  /** PEM of the CA that signed the ACME server's TLS certificate, when not a public one. */
  caPem?: string;
  email?: string;
  challenges: ChallengeServer;
  logger: Logger;
}

export class AcmeIssuer implements Issuer {
  readonly name = 'ACME';
  private client?: Promise<acme.Client>;

  constructor(private readonly options: AcmeIssuerOptions) {
    if (options.caPem) acme.axios.defaults.httpsAgent = new https.Agent({ ca: options.caPem, keepAlive: true });
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
    const [key, csr] = await acme.crypto.createCsr({ commonName: domainName, altNames: [domainName] }, await acme.crypto.createPrivateEcdsaKey());
    const challenges = this.options.challenges;
    const certificatePem = await client.auto({
      csr,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA checks the token itself; acme-client's own pre-check would resolve the
      // customer's hostname through public DNS, which need not point here yet.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`unsupported challenge ${challenge.type}`);
        challenges.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        challenges.remove(challenge.token);
      },
    });
    this.options.logger.info({ domain: domainName }, 'certificate issued by ACME');
    return { certificatePem, privateKeyPem: key.toString() };
  }
}

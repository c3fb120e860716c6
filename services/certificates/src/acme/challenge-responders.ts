/**
 * How the service answers an ACME challenge: HTTP-01 from its own challenge server, or
 * DNS-01 through the dns service (`UpsertTxtRecord` of `_acme-challenge.<domain>`), which
 * does not need the customer's CNAME to be live first.
 */
import type { dnsV1 } from '@poppy/contracts';
import type { ChallengeServer } from './challenge-server';

export type ChallengeType = 'http-01' | 'dns-01';

export interface ChallengeResponder {
  readonly type: ChallengeType;
  /** `keyAuthorization` is what acme-client hands over: the token value for HTTP-01, the digest for DNS-01. */
  publish(domain: string, token: string, keyAuthorization: string): Promise<void>;
  withdraw(domain: string, token: string, keyAuthorization: string): Promise<void>;
}

export class HttpChallengeResponder implements ChallengeResponder {
  readonly type = 'http-01';
  constructor(private readonly server: ChallengeServer) {}
  async publish(_domain: string, token: string, keyAuthorization: string): Promise<void> {
    this.server.set(token, keyAuthorization);
  }
  async withdraw(_domain: string, token: string): Promise<void> {
    this.server.remove(token);
  }
}

/** The dns service calls DNS-01 makes (a subset of the generated promise client). */
export interface TxtRecordsApi {
  upsertTxtRecord(req: dnsV1.UpsertTxtRecordRequest): Promise<dnsV1.UpsertTxtRecordResponse>;
  deleteTxtRecord(req: dnsV1.DeleteTxtRecordRequest): Promise<dnsV1.DeleteTxtRecordResponse>;
}

export const acmeChallengeName = (domain: string): string =>
  `_acme-challenge.${domain.replace(/^\*\./, '')}`;

export class DnsChallengeResponder implements ChallengeResponder {
  readonly type = 'dns-01';
  constructor(private readonly dns: TxtRecordsApi) {}
  async publish(domain: string, _token: string, keyAuthorization: string): Promise<void> {
    await this.dns.upsertTxtRecord({
      name: acmeChallengeName(domain),
      value: keyAuthorization,
      ttl: 0,
    });
  }
  async withdraw(domain: string, _token: string, keyAuthorization: string): Promise<void> {
    await this.dns.deleteTxtRecord({ name: acmeChallengeName(domain), value: keyAuthorization });
  }
}

/**
 * What the CloudFront driver needs from CloudFront, and nothing more: the seam between the
 * planning logic (cloudfront-driver.ts, invalidations.ts; unit-tested against an in-memory
 * fake) and the AWS SDK (aws-cloudfront-api.ts; exercised against moto by test/*.int-spec.ts).
 *
 * Data is CloudFront's own model (the SDK's DistributionConfig, type-only), read into the few
 * fields the driver uses. "Not found" is an answer (`undefined`), not an error. Any other
 * failure is thrown as the vendor raised it; the driver turns it into a ProviderError with
 * `fromVendorError` (vendor-errors.ts), naming the operation the tenant asked for.
 */
import type { DistributionConfig } from '@aws-sdk/client-cloudfront';

export type { DistributionConfig };

/** A distribution as the driver reads it. */
export interface DistributionState {
  id: string;
  /** `InProgress` while a change deploys, then `Deployed`. */
  status: string;
  /** The `*.cloudfront.net` name: every domain's access URL. */
  domainName: string;
  /** The aliases it serves (the service's domains). */
  aliases: string[];
}

/** A value and the ETag to send as `If-Match` when changing it. */
export interface Versioned<T> {
  value: T;
  etag?: string;
}

export interface InvalidationState {
  id: string;
  /** `InProgress`, then `Completed`. */
  status: string;
  paths: string[];
}

export interface DistributionSummary {
  id: string;
  comment: string;
}

export type CreateDistributionOutcome =
  | { created: DistributionState }
  /**
   * The CallerReference is taken: a create made it before. `id` when CloudFront's answer
   * named it; `error` is that answer, reported if the distribution cannot be read.
   */
  | { alreadyExists: true; id?: string; error: unknown };

/** A PEM certificate for ACM: the leaf, its chain, its key (secret). */
export interface CertificateImport {
  certificatePem: string;
  chainPem?: string;
  privateKeyPem: string;
  /** Re-import into this ACM certificate (a renewal keeps the ARN the distribution uses). */
  arn?: string;
}

export interface CloudFrontApi {
  /** ACM ImportCertificate (CloudFront reads viewer certificates from ACM); its ARN. */
  importCertificate(input: CertificateImport): Promise<string>;
  /** One cheap authenticated call; throws when CloudFront cannot be reached. */
  ping(): Promise<void>;
  /** One page of distribution summaries; `nextMarker` when there are more. */
  listDistributions(
    marker?: string,
  ): Promise<{ items: DistributionSummary[]; nextMarker?: string }>;
  getDistribution(id: string): Promise<Versioned<DistributionState> | undefined>;
  getDistributionConfig(id: string): Promise<Versioned<DistributionConfig> | undefined>;
  createDistribution(config: DistributionConfig): Promise<CreateDistributionOutcome>;
  /** Replaces the config if `ifMatch` is still its ETag; the distribution when CloudFront described it. */
  updateDistribution(
    id: string,
    config: DistributionConfig,
    ifMatch: string | undefined,
  ): Promise<Versioned<DistributionState | undefined>>;
  /** Deletes a disabled, deployed distribution; one already gone counts as deleted. */
  deleteDistribution(id: string, ifMatch: string | undefined): Promise<void>;
  /** The most recent invalidations of a distribution (one page of up to 100), without their paths. */
  listInvalidations(distributionId: string): Promise<Array<{ id: string; status: string }>>;
  /** Undefined when the invalidation or its distribution is gone. */
  getInvalidation(distributionId: string, id: string): Promise<InvalidationState | undefined>;
  createInvalidation(
    distributionId: string,
    callerReference: string,
    path: string,
  ): Promise<{ id: string; status: string }>;
}

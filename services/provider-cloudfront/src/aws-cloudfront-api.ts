/**
 * CloudFrontApi (cloudfront-api.ts) over the AWS SDK v3: one command per method, the answer
 * read into the driver's shapes, "no such distribution/invalidation" turned into `undefined`.
 * No decisions here — those are the driver's, unit-tested against a fake of the interface;
 * this file is exercised against moto by test/provider-cloudfront.int-spec.ts.
 */
import {
  CloudFrontClient,
  CreateDistributionCommand,
  CreateInvalidationCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  ListDistributionsCommand,
  ListInvalidationsCommand,
  UpdateDistributionCommand,
  type Distribution,
} from '@aws-sdk/client-cloudfront';
import { ACMClient, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { ProviderError } from '@poppy/provider-kit';
import type {
  CertificateImport,
  CloudFrontApi,
  CreateDistributionOutcome,
  DistributionConfig,
  DistributionState,
  DistributionSummary,
  InvalidationState,
  Versioned,
} from './cloudfront-api';
import type { ProviderCloudFrontConfig } from './config';

/** ACM, with the same endpoint and credentials as CloudFront (moto serves both). */
export function createAcmClient(config: ProviderCloudFrontConfig): ACMClient {
  return new ACMClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    maxAttempts: config.maxAttempts,
  });
}

export function createCloudFrontClient(config: ProviderCloudFrontConfig): CloudFrontClient {
  return new CloudFrontClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    maxAttempts: config.maxAttempts,
    requestHandler: {
      requestTimeout: config.requestTimeoutMs,
      connectionTimeout: config.requestTimeoutMs,
    },
  });
}

const errorName = (error: unknown) => (error as { name?: string } | null)?.name;

/** `undefined` instead of the error when CloudFront says the thing is gone. */
async function unlessGone<T>(
  gone: ReadonlyArray<string>,
  send: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (gone.includes(errorName(error) ?? '')) return undefined;
    throw error;
  }
}

function stateOf(distribution: Distribution): DistributionState {
  return {
    id: distribution.Id ?? '',
    status: distribution.Status ?? '',
    domainName: distribution.DomainName ?? '',
    aliases: distribution.DistributionConfig?.Aliases?.Items ?? [],
  };
}

export class AwsCloudFrontApi implements CloudFrontApi {
  constructor(
    private readonly client: CloudFrontClient,
    private readonly acm: ACMClient,
  ) {}

  async importCertificate(input: CertificateImport): Promise<string> {
    const encode = (pem: string) => new TextEncoder().encode(pem);
    const answer = await this.acm.send(
      new ImportCertificateCommand({
        Certificate: encode(input.certificatePem),
        PrivateKey: encode(input.privateKeyPem),
        ...(input.chainPem ? { CertificateChain: encode(input.chainPem) } : {}),
        ...(input.arn ? { CertificateArn: input.arn } : {}),
      }),
    );
    if (!answer.CertificateArn) throw new Error('ACM ImportCertificate answered without an ARN');
    return answer.CertificateArn;
  }

  async ping(): Promise<void> {
    await this.client.send(new ListDistributionsCommand({ MaxItems: 1 }));
  }

  async listDistributions(
    marker?: string,
  ): Promise<{ items: DistributionSummary[]; nextMarker?: string }> {
    const page = await this.client.send(new ListDistributionsCommand({ Marker: marker }));
    const list = page.DistributionList;
    return {
      items: (list?.Items ?? []).flatMap((d) =>
        d.Id ? [{ id: d.Id, comment: d.Comment ?? '' }] : [],
      ),
      nextMarker: list?.IsTruncated ? list.NextMarker : undefined,
    };
  }

  async getDistribution(id: string): Promise<Versioned<DistributionState> | undefined> {
    const got = await unlessGone(['NoSuchDistribution'], () =>
      this.client.send(new GetDistributionCommand({ Id: id })),
    );
    return got?.Distribution ? { value: stateOf(got.Distribution), etag: got.ETag } : undefined;
  }

  async getDistributionConfig(id: string): Promise<Versioned<DistributionConfig> | undefined> {
    const got = await unlessGone(['NoSuchDistribution'], () =>
      this.client.send(new GetDistributionConfigCommand({ Id: id })),
    );
    return got?.DistributionConfig ? { value: got.DistributionConfig, etag: got.ETag } : undefined;
  }

  async createDistribution(config: DistributionConfig): Promise<CreateDistributionOutcome> {
    try {
      const created = await this.client.send(
        new CreateDistributionCommand({ DistributionConfig: config }),
      );
      if (!created.Distribution)
        throw new ProviderError('CloudFront created a distribution but did not describe it', {
          retryable: true,
        });
      return { created: stateOf(created.Distribution) };
    } catch (error) {
      if (errorName(error) !== 'DistributionAlreadyExists') throw error;
      // AWS names the distribution in its message ("… Already exists: E1ABC…"); moto too.
      const id = /Already exists:\s*([A-Z0-9]+)/i.exec((error as Error).message)?.[1];
      return { alreadyExists: true, id, error };
    }
  }

  async updateDistribution(
    id: string,
    config: DistributionConfig,
    ifMatch: string | undefined,
  ): Promise<Versioned<DistributionState | undefined>> {
    const updated = await this.client.send(
      new UpdateDistributionCommand({ Id: id, IfMatch: ifMatch, DistributionConfig: config }),
    );
    return {
      value: updated.Distribution ? stateOf(updated.Distribution) : undefined,
      etag: updated.ETag,
    };
  }

  async deleteDistribution(id: string, ifMatch: string | undefined): Promise<void> {
    await unlessGone(['NoSuchDistribution'], () =>
      this.client.send(new DeleteDistributionCommand({ Id: id, IfMatch: ifMatch })),
    );
  }

  async listInvalidations(distributionId: string): Promise<Array<{ id: string; status: string }>> {
    const listed = await this.client.send(
      new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 100 }),
    );
    return (listed.InvalidationList?.Items ?? []).flatMap((i) =>
      i.Id ? [{ id: i.Id, status: i.Status ?? '' }] : [],
    );
  }

  async getInvalidation(
    distributionId: string,
    id: string,
  ): Promise<InvalidationState | undefined> {
    const got = await unlessGone(['NoSuchInvalidation', 'NoSuchDistribution'], () =>
      this.client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
    );
    if (!got) return undefined;
    return {
      id,
      status: got.Invalidation?.Status ?? '',
      paths: got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [],
    };
  }

  async createInvalidation(
    distributionId: string,
    callerReference: string,
    path: string,
  ): Promise<{ id: string; status: string }> {
    const created = await this.client.send(
      new CreateInvalidationCommand({
        DistributionId: distributionId,
        InvalidationBatch: {
          CallerReference: callerReference,
          Paths: { Quantity: 1, Items: [path] },
        },
      }),
    );
    return { id: created.Invalidation?.Id ?? '', status: created.Invalidation?.Status ?? '' };
  }
}

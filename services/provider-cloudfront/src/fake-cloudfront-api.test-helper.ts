/**
 * An in-memory CloudFront behind our own CloudFrontApi (cloudfront-api.ts), for the driver's
 * unit tests: distributions with CallerReference idempotency, ETags checked on every write,
 * disable-before-delete, invalidations. Its state (deployment and invalidation status) is
 * set by the test; the real SDK path is covered against moto (test/*.int-spec.ts).
 */
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

/** An error shaped like the AWS SDK's (name + HTTP status), which fromVendorError reads. */
export function vendorError(name: string, httpStatusCode: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

interface StoredDistribution {
  config: DistributionConfig;
  status: string;
  etag: number;
}

export interface FakeCloudFrontOptions {
  /** Whether listDistributions shows each Comment (moto leaves it out). @default true */
  listsComments?: boolean;
  /** Whether DistributionAlreadyExists names the distribution. @default true */
  namesExisting?: boolean;
}

export class FakeCloudFront implements CloudFrontApi {
  readonly distributions = new Map<string, StoredDistribution>();
  readonly invalidations = new Map<string, InvalidationState[]>();
  /** Every call, by method name, with its arguments. */
  readonly calls: Array<{ method: keyof CloudFrontApi; args: unknown[] }> = [];
  private readonly failures = new Map<string, Error>();
  private nextId = 1;

  constructor(private readonly options: FakeCloudFrontOptions = {}) {}

  /** The next call of `method` throws `error`. */
  failNext(method: keyof CloudFrontApi, error: Error): void {
    this.failures.set(method, error);
  }

  setStatus(id: string, status: 'InProgress' | 'Deployed'): void {
    this.stored(id).status = status;
  }

  count(method: keyof CloudFrontApi): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  async ping(): Promise<void> {
    this.record('ping', []);
  }

  /** ACM certificates by ARN: the leaf PEM last imported into each. */
  readonly acm = new Map<string, string>();

  async importCertificate(input: CertificateImport): Promise<string> {
    this.record('importCertificate', [{ arn: input.arn }]);
    const arn = input.arn ?? `arn:aws:acm:us-east-1:123456789012:certificate/${this.acm.size + 1}`;
    this.acm.set(arn, input.certificatePem);
    return arn;
  }

  async listDistributions(
    marker?: string,
  ): Promise<{ items: DistributionSummary[]; nextMarker?: string }> {
    this.record('listDistributions', [marker]);
    // One distribution per page, so paging is exercised.
    const ids = [...this.distributions.keys()];
    const index = marker ? ids.indexOf(marker) : 0;
    const id = ids[index];
    if (id === undefined) return { items: [] };
    const comment =
      this.options.listsComments === false ? '' : (this.stored(id).config.Comment ?? '');
    return { items: [{ id, comment }], nextMarker: ids[index + 1] };
  }

  async getDistribution(id: string): Promise<Versioned<DistributionState> | undefined> {
    this.record('getDistribution', [id]);
    const stored = this.distributions.get(id);
    return stored && { value: this.state(id, stored), etag: `E${stored.etag}` };
  }

  async getDistributionConfig(id: string): Promise<Versioned<DistributionConfig> | undefined> {
    this.record('getDistributionConfig', [id]);
    const stored = this.distributions.get(id);
    return stored && { value: structuredClone(stored.config), etag: `E${stored.etag}` };
  }

  async createDistribution(config: DistributionConfig): Promise<CreateDistributionOutcome> {
    this.record('createDistribution', [config]);
    for (const [id, stored] of this.distributions) {
      if (stored.config.CallerReference === config.CallerReference) {
        const error = vendorError('DistributionAlreadyExists', 409, `Already exists: ${id}`);
        return {
          alreadyExists: true,
          id: this.options.namesExisting === false ? undefined : id,
          error,
        };
      }
    }
    const id = `D${this.nextId++}`;
    const stored = { config: structuredClone(config), status: 'InProgress', etag: 1 };
    this.distributions.set(id, stored);
    return { created: this.state(id, stored) };
  }

  async updateDistribution(
    id: string,
    config: DistributionConfig,
    ifMatch: string | undefined,
  ): Promise<Versioned<DistributionState | undefined>> {
    this.record('updateDistribution', [id, config, ifMatch]);
    const stored = this.distributions.get(id);
    if (!stored) throw vendorError('NoSuchDistribution', 404);
    if (ifMatch !== `E${stored.etag}`) throw vendorError('PreconditionFailed', 412);
    stored.config = structuredClone(config);
    stored.etag += 1;
    stored.status = 'InProgress';
    return { value: this.state(id, stored), etag: `E${stored.etag}` };
  }

  async deleteDistribution(id: string, ifMatch: string | undefined): Promise<void> {
    this.record('deleteDistribution', [id, ifMatch]);
    const stored = this.distributions.get(id);
    if (!stored) return;
    if (ifMatch !== `E${stored.etag}`) throw vendorError('PreconditionFailed', 412);
    if (stored.config.Enabled !== false || stored.status !== 'Deployed')
      throw vendorError('DistributionNotDisabled', 409);
    this.distributions.delete(id);
  }

  async listInvalidations(distributionId: string): Promise<Array<{ id: string; status: string }>> {
    this.record('listInvalidations', [distributionId]);
    return (this.invalidations.get(distributionId) ?? []).map(({ id, status }) => ({ id, status }));
  }

  async getInvalidation(
    distributionId: string,
    id: string,
  ): Promise<InvalidationState | undefined> {
    this.record('getInvalidation', [distributionId, id]);
    const found = this.invalidations.get(distributionId)?.find((i) => i.id === id);
    return found && structuredClone(found);
  }

  async createInvalidation(
    distributionId: string,
    callerReference: string,
    path: string,
  ): Promise<{ id: string; status: string }> {
    this.record('createInvalidation', [distributionId, callerReference, path]);
    const list = this.invalidations.get(distributionId) ?? [];
    const created = { id: `I${this.nextId++}`, status: 'InProgress', paths: [path] };
    this.invalidations.set(distributionId, [...list, created]);
    return { id: created.id, status: created.status };
  }

  private record(method: keyof CloudFrontApi, args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  private stored(id: string): StoredDistribution {
    const stored = this.distributions.get(id);
    if (!stored) throw new Error(`the fake has no distribution ${id}`);
    return stored;
  }

  private state(id: string, stored: StoredDistribution): DistributionState {
    return {
      id,
      status: stored.status,
      domainName: `${id.toLowerCase()}.cloudfront.net`,
      aliases: [...(stored.config.Aliases?.Items ?? [])],
    };
  }
}

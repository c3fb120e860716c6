/**
 * The mock CDN vendor (docs/behaviour.md §12.5 with D-18): objects in memory keyed by
 * service_id, so every call is idempotent, and faults injected on demand for tests.
 *
 * - create → a provider_service_id derived from the service_id (stable across restarts of
 *   the mock, so a replayed create after a crash names the same object) and the fixed link
 *   of docs/behaviour.md §12.5: href "www.mysite.com", domain "www.mydomain.com", rel "access_url";
 * - update → the same id and the same links as create (docs/behaviour.md D-18); an update of an
 *   object the vendor does not have creates it;
 * - delete → gone (deleting what is gone succeeds); purge → echoes the URL;
 * - get → found while the object exists; metrics → no series; certificates → no details;
 * - listManaged → every object it holds, with its service, project and creation time.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { providerV1 } from '@poppy/contracts';
import {
  ProviderError,
  type ManagedObject,
  type ProviderDriver,
  type ProviderOperation,
} from '@poppy/provider-kit';
import { NO_FAULTS, type Faults } from './faults';
import { NO_JOURNAL, type Journal, type JournalEntry } from './journal';

export const MOCK_LINK: Readonly<providerV1.ProviderLink> = Object.freeze({
  href: 'www.mysite.com',
  domain: 'www.mydomain.com',
  rel: 'access_url',
});
export const MOCK_FAILURE_MESSAGE = 'Mock provider failure';

interface MockObject {
  providerServiceId: string;
  projectId: string;
  createdAtMs: number;
  spec: providerV1.CreateServiceRequest['spec'];
}

export interface MockDriverOptions {
  /** @default 'Mock' */
  providerName?: string;
  faults?: Faults;
  journal?: Journal;
  /** @default Math.random (the error-rate dice) */
  random?: () => number;
  /** @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now (creation times of objects) */
  now?: () => number;
}

/** A name-based UUID (version 5 layout over SHA-1) of the provider and service id. */
export function mockProviderServiceId(providerName: string, serviceId: string): string {
  const bytes = createHash('sha1')
    .update(`poppy-mock:${providerName}:${serviceId}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const never = new Promise<never>(() => undefined);

export class MockDriver implements ProviderDriver {
  readonly providerName: string;
  readonly regions: string[] = [];
  private faults: Faults;
  private readonly objects = new Map<string, MockObject>();
  /** Calls seen per `${op}:${service_id}`, for failTimes. */
  private readonly calls = new Map<string, number>();
  private readonly journal: Journal;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: MockDriverOptions = {}) {
    this.providerName = options.providerName ?? 'Mock';
    this.faults = options.faults ?? NO_FAULTS;
    this.journal = options.journal ?? NO_JOURNAL;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /** Replaces the faults (SIGUSR2 reload); calls already counted for failTimes stay counted. */
  setFaults(faults: Faults): void {
    this.faults = faults;
  }

  currentFaults(): Readonly<Faults> {
    return this.faults;
  }

  /** How many objects the vendor holds (tests). */
  get objectCount(): number {
    return this.objects.size;
  }

  async isAlive(): Promise<boolean> {
    return true;
  }

  createService(req: providerV1.CreateServiceRequest): Promise<providerV1.CreateServiceResponse> {
    return this.run(
      'createService',
      req.service_id,
      { provider_service_id: this.idFor(req.service_id) },
      (entry) => {
        const object = this.ensure(req.project_id, req.service_id, req.spec, entry);
        return { service: this.provisioned(object) };
      },
    );
  }

  updateService(req: providerV1.UpdateServiceRequest): Promise<providerV1.UpdateServiceResponse> {
    const id = req.provider_service_id || this.idFor(req.service_id);
    return this.run('updateService', req.service_id, { provider_service_id: id }, () => {
      const object = this.ensure(req.project_id, req.service_id, req.spec);
      object.spec = req.spec;
      return { service: this.provisioned(object) };
    });
  }

  deleteService(req: providerV1.DeleteServiceRequest): Promise<providerV1.DeleteServiceResponse> {
    const id = req.provider_service_id || this.idFor(req.service_id);
    return this.run('deleteService', req.service_id, { provider_service_id: id }, () => {
      this.objects.delete(req.service_id);
      return { provider_service_id: id };
    });
  }

  purgeService(req: providerV1.PurgeServiceRequest): Promise<providerV1.PurgeServiceResponse> {
    const id = req.provider_service_id || this.idFor(req.service_id);
    return this.run(
      'purgeService',
      req.service_id,
      { provider_service_id: id, hard: req.hard, purge_url: req.purge_url },
      () => ({ provider_service_id: id, purge_url: req.purge_url }),
    );
  }

  getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse> {
    const id = req.provider_service_id || this.idFor(req.service_id);
    return this.run('getService', req.service_id, { provider_service_id: id }, () => {
      const object = this.objects.get(req.service_id);
      return object
        ? { found: true, spec: object.spec, links: [{ ...MOCK_LINK }] }
        : { found: false, spec: undefined, links: [] };
    });
  }

  getMetrics(req: providerV1.GetMetricsRequest): Promise<providerV1.GetMetricsResponse> {
    return this.run('getMetrics', '', { provider_service_id: '' }, () => {
      void req;
      return { series: [] };
    });
  }

  createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    return this.run(
      'createCertificate',
      req.service_id,
      { provider_service_id: req.provider_service_id },
      (entry) => {
        const domain = req.certificate?.domain_name ?? '';
        entry.certificate_domain = domain;
        const pem = req.certificate?.cert_details.certificate_pem;
        if (pem) entry.certificate_sha256 = leafFingerprint(pem);
        return { extra_info_json: '{}' };
      },
    );
  }

  deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
  ): Promise<providerV1.DeleteCertificateResponse> {
    void req;
    return this.run('deleteCertificate', '', { provider_service_id: '' }, () => ({
      extra_info_json: '{}',
    }));
  }

  /** The objects it holds. */
  async listManaged(): Promise<ManagedObject[]> {
    return [...this.objects].map(([serviceId, object]) => ({
      serviceId,
      providerServiceId: object.providerServiceId,
      createdAtMs: object.createdAtMs,
      projectId: object.projectId,
    }));
  }

  private idFor(serviceId: string): string {
    return (
      this.objects.get(serviceId)?.providerServiceId ??
      mockProviderServiceId(this.providerName, serviceId)
    );
  }

  private ensure(
    projectId: string,
    serviceId: string,
    spec: MockObject['spec'],
    entry?: Partial<JournalEntry>,
  ): MockObject {
    if (!serviceId)
      throw new ProviderError('service_id is required', { errorClass: 'mock.InvalidRequest' });
    const existing = this.objects.get(serviceId);
    if (existing) {
      if (entry) entry.existing = true;
      return existing;
    }
    const object: MockObject = {
      providerServiceId: mockProviderServiceId(this.providerName, serviceId),
      projectId,
      createdAtMs: this.now(),
      spec,
    };
    this.objects.set(serviceId, object);
    return object;
  }

  private provisioned(object: MockObject): providerV1.ProvisionedService {
    return {
      provider_service_id: object.providerServiceId,
      links: [{ ...MOCK_LINK }],
      domains_certificate_status: {},
    };
  }

  /** Faults first (hang, latency, fail-N-times, fail-always, error rate), then the operation, then the journal line. */
  private async run<R>(
    op: ProviderOperation,
    serviceId: string,
    details: Pick<JournalEntry, 'provider_service_id' | 'hard' | 'purge_url'>,
    operation: (entry: Partial<JournalEntry>) => R,
  ): Promise<R> {
    const faults = this.faults;
    if (faults.hang.includes(op)) return never;
    if (faults.latencyMs > 0) await this.sleep(faults.latencyMs);
    const entry: Partial<JournalEntry> = {};
    try {
      this.injectFailure(op, serviceId, faults);
      const result = operation(entry);
      this.record(op, serviceId, details, entry, 'ok');
      return result;
    } catch (error) {
      this.record(op, serviceId, details, { ...entry, error: (error as Error).message }, 'error');
      throw error;
    }
  }

  private injectFailure(op: ProviderOperation, serviceId: string, faults: Faults): void {
    if (faults.failTimes > 0) {
      const key = `${op}:${serviceId}`;
      const seen = (this.calls.get(key) ?? 0) + 1;
      this.calls.set(key, seen);
      if (seen <= faults.failTimes) {
        throw new ProviderError(
          `Mock provider transient failure (${seen} of ${faults.failTimes})`,
          {
            retryable: true,
            errorClass: 'mock.TransientFailure',
          },
        );
      }
    }
    if (faults.failAlways && (op === 'createService' || op === 'updateService')) {
      throw new ProviderError(MOCK_FAILURE_MESSAGE, {
        retryable: false,
        errorClass: 'mock.Failure',
        detail: `${this.providerName} is configured to fail every create and update (POPPY_MOCK_FAIL_ALWAYS)`,
      });
    }
    if (faults.errorRate > 0 && this.random() < faults.errorRate) {
      throw new ProviderError('Mock provider random failure', {
        retryable: true,
        errorClass: 'mock.RandomFailure',
      });
    }
  }

  private record(
    op: ProviderOperation,
    serviceId: string,
    details: Pick<JournalEntry, 'provider_service_id' | 'hard' | 'purge_url'>,
    extra: Partial<JournalEntry>,
    outcome: JournalEntry['outcome'],
  ): void {
    this.journal.append({
      ts: new Date().toISOString(),
      provider: this.providerName,
      op,
      service_id: serviceId,
      ...details,
      outcome,
      ...extra,
    });
  }
}

/** SHA-256 of the first certificate's DER in a PEM chain (what a test compares, not the PEM itself). */
export function leafFingerprint(chainPem: string): string {
  try {
    return new X509Certificate(chainPem).fingerprint256;
  } catch {
    return 'unparsable';
  }
}

/**
 * The provider adapters as the flows see them: one gRPC client per provider id, every
 * call through that provider's circuit breaker (with its timeout), and every failure
 * turned into a plain outcome the flows can record: retry later, or report.
 */
import type { providerV1 } from '@poppy/contracts';

/** The calls of `@poppy/provider-kit`'s ProviderClient the flows use. */
export interface ProviderApi {
  describe(): Promise<providerV1.DescribeProviderResponse>;
  createService(req: providerV1.CreateServiceRequest): Promise<providerV1.CreateServiceResponse>;
  updateService(req: providerV1.UpdateServiceRequest): Promise<providerV1.UpdateServiceResponse>;
  deleteService(req: providerV1.DeleteServiceRequest): Promise<providerV1.DeleteServiceResponse>;
  purgeService(req: providerV1.PurgeServiceRequest): Promise<providerV1.PurgeServiceResponse>;
  listManagedServices(): Promise<providerV1.ListManagedServicesResponse>;
  createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse>;
}

/** `@poppy/resilience`'s CircuitBreakers, as far as the flows need it. */
export interface Breakers {
  call<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export interface FailureInfo {
  message: string;
  detail?: string;
  errorClass?: string;
}

export type CallOutcome<T> =
  | { ok: true; value: T }
  /** Try this provider's part again later, not before `delayMs` when the vendor or the breaker said so. */
  | { ok: false; retryable: true; delayMs?: number; failure: FailureInfo }
  /** The vendor refused (4xx-like): report it in provider_details. */
  | { ok: false; retryable: false; failure: FailureInfo };

export type Failed = Extract<CallOutcome<unknown>, { ok: false }>;

/** A thrown value as an outcome: `retryable` and `retryAfterMs` are properties of the error (ProviderError, BreakerOpenError). */
export function classify(error: unknown): Failed {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    retryable?: unknown;
    retryAfterMs?: unknown;
    detail?: unknown;
    errorClass?: unknown;
    message?: unknown;
    name?: unknown;
  };
  const failure: FailureInfo = {
    message: typeof e.message === 'string' && e.message ? e.message : String(error),
  };
  if (typeof e.detail === 'string' && e.detail) failure.detail = e.detail;
  if (typeof e.errorClass === 'string' && e.errorClass) failure.errorClass = e.errorClass;
  else if (typeof e.name === 'string' && e.name && e.name !== 'Error') failure.errorClass = e.name;
  // Anything that does not say otherwise (a dropped connection, a bug) is worth another try.
  if (e.retryable === false) return { ok: false, retryable: false, failure };
  const delayMs =
    typeof e.retryAfterMs === 'number' && e.retryAfterMs > 0 ? e.retryAfterMs : undefined;
  return { ok: false, retryable: true, delayMs, failure };
}

/** The provider_details key used when a provider could never describe itself (e.g. no adapter configured). */
export function fallbackProviderName(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

export class ProviderRegistry {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly clients: ReadonlyMap<string, ProviderApi>,
    private readonly breakers: Breakers,
  ) {}

  ids(): string[] {
    return [...this.clients.keys()];
  }

  /**
   * The provider id of a provider_details key: a name this process learnt from
   * DescribeProvider, else the name lower-cased (reference: "converting a provider-name
   * key back to a driver is done by lower-casing it").
   */
  idOf(name: string): string {
    for (const [id, known] of this.names) if (known === name) return id;
    return name.toLowerCase();
  }

  /** The display name a provider reports (the provider_details key), asked once per process. */
  async nameOf(id: string): Promise<CallOutcome<string>> {
    const known = this.names.get(id);
    if (known) return { ok: true, value: known };
    const described = await this.call(id, (client) => client.describe());
    if (!described.ok) return described;
    const name = described.value.provider_name || fallbackProviderName(id);
    this.names.set(id, name);
    return { ok: true, value: name };
  }

  /** One call to provider `id` through its breaker; never throws. */
  async call<T>(id: string, fn: (client: ProviderApi) => Promise<T>): Promise<CallOutcome<T>> {
    const client = this.clients.get(id);
    if (!client) {
      return {
        ok: false,
        retryable: false,
        failure: {
          message: `No adapter is configured for provider '${id}' (POPPY_PROVIDER_ADDRESSES)`,
          errorClass: 'poppy.ProviderNotConfigured',
        },
      };
    }
    try {
      return { ok: true, value: await this.breakers.call(id, () => fn(client)) };
    } catch (error) {
      return classify(error);
    }
  }
}

/**
 * The adapter and the client over real gRPC on loopback, with a scripted driver: what a
 * driver throws arrives at the caller as the same ProviderError, bugs arrive as INTERNAL
 * without their text, deadlines become retryable errors.
 */
import { status as GrpcStatus, type ServiceDefinition } from '@grpc/grpc-js';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { service as healthService } from 'grpc-health-check';
import type { providerV1 } from '@poppy/contracts';
import { createLogger, createPromiseClient } from '@poppy/platform';
import { createProviderClient, type ProviderClient } from './provider-client';
import {
  PROVIDER_SERVICE_NAME,
  startProviderAdapter,
  type RunningProviderAdapter,
} from './provider-adapter';
import type { ProviderDriver } from './provider-driver';
import { ProviderError } from './provider-error';
import { INTERNAL_ERROR_CLASS, INTERNAL_ERROR_MESSAGE } from './provider-errors';
import { PROVIDER_CALL_DURATION_METRIC, PROVIDER_CALLS_METRIC } from './provider-metrics';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const spec = (name: string) => ({
  name,
  domains: [{ domain: 'www.example.com', protocol: 'http' }],
  origins: [],
  caching: [],
  restrictions: [],
  flavor_id: 'f',
  log_delivery: undefined,
});

type Behaviour = (
  req: providerV1.CreateServiceRequest,
) => Promise<providerV1.CreateServiceResponse>;

function scriptedDriver(): ProviderDriver & { behaviour: Behaviour } {
  const notUsed = () => Promise.reject(new ProviderError('not used by this test'));
  const driver = {
    providerName: 'Scripted',
    regions: ['North America'],
    behaviour: (async () => ({ service: undefined })) as Behaviour,
    isAlive: async () => true,
    createService: (req: providerV1.CreateServiceRequest) => driver.behaviour(req),
    updateService: notUsed,
    deleteService: notUsed,
    purgeService: notUsed,
    getService: notUsed,
    getMetrics: notUsed,
    createCertificate: notUsed,
    deleteCertificate: notUsed,
    listManaged: notUsed,
  };
  return driver;
}

describe('provider adapter and client over gRPC', () => {
  const logger = createLogger('provider-kit-test', 'silent');
  const driver = scriptedDriver();
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  let adapter: RunningProviderAdapter;
  let client: ProviderClient;

  beforeAll(async () => {
    adapter = await startProviderAdapter(driver, {
      host: '127.0.0.1',
      port: 0,
      logger,
      meter: meterProvider.getMeter('test'),
    });
    client = createProviderClient(`127.0.0.1:${adapter.port}`, { deadlineMs: 2000 });
  });
  afterAll(async () => {
    client.close();
    await adapter.close();
    await meterProvider.shutdown();
  });

  const create = (name = 'svc') =>
    client.createService({ project_id: 'p', service_id: 's-1', spec: spec(name) });

  async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }

  it('describes the driver', async () => {
    await expect(client.describe()).resolves.toEqual({
      provider_name: 'Scripted',
      alive: true,
      regions: ['North America'],
    });
  });

  it('returns what the driver returned, with the request it was given', async () => {
    driver.behaviour = async (req) => ({
      service: {
        provider_service_id: `id-${req.service_id}-${req.spec?.name}`,
        links: [{ domain: 'www.example.com', href: 'edge.example.net', rel: 'access_url' }],
        domains_certificate_status: {},
      },
    });
    const response = await create('renamed');
    expect(response.service?.provider_service_id).toBe('id-s-1-renamed');
    expect(response.service?.links).toEqual([
      { domain: 'www.example.com', href: 'edge.example.net', rel: 'access_url' },
    ]);
  });

  it('carries a retryable error with retry-after, detail and class', async () => {
    driver.behaviour = async () => {
      throw new ProviderError('vendor throttled us', {
        retryable: true,
        retryAfterMs: 1500,
        detail: 'HTTP 429\nRetry-After: 1.5 — 100%',
        errorClass: 'scripted.RateLimited',
      });
    };
    const error = await rejection(create());
    expect(error).toMatchObject({
      message: 'vendor throttled us',
      retryable: true,
      retryAfterMs: 1500,
      detail: 'HTTP 429\nRetry-After: 1.5 — 100%',
      errorClass: 'scripted.RateLimited',
    });
    expect((error.cause as { code: number }).code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('carries a non-retryable error as FAILED_PRECONDITION', async () => {
    driver.behaviour = async () => {
      throw new ProviderError('domain not allowed');
    };
    const error = await rejection(create());
    expect(error).toMatchObject({
      message: 'domain not allowed',
      retryable: false,
      errorClass: 'ProviderError',
    });
    expect(error.retryAfterMs).toBeUndefined();
    expect((error.cause as { code: number }).code).toBe(GrpcStatus.FAILED_PRECONDITION);
  });

  it('reports an unexpected exception as INTERNAL, non-retryable, without leaking its text', async () => {
    driver.behaviour = async () => {
      throw new TypeError('secret-token-123 cannot be read');
    };
    const error = await rejection(create());
    expect(error).toMatchObject({
      message: INTERNAL_ERROR_MESSAGE,
      retryable: false,
      errorClass: INTERNAL_ERROR_CLASS,
    });
    expect(
      JSON.stringify({ ...error, message: error.message, detail: error.detail }),
    ).not.toContain('secret-token-123');
    expect((error.cause as { code: number }).code).toBe(GrpcStatus.INTERNAL);
  });

  it('reports a synchronous throw of the driver the same way', async () => {
    driver.behaviour = (() => {
      throw new Error('sync bug');
    }) as unknown as Behaviour;
    const error = await rejection(create());
    expect(error).toMatchObject({ retryable: false, errorClass: INTERNAL_ERROR_CLASS });
  });

  it('turns a missed deadline into a retryable error', async () => {
    driver.behaviour = () => new Promise(() => undefined);
    const started = Date.now();
    const error = await rejection(
      client.createService(
        { project_id: 'p', service_id: 's', spec: spec('x') },
        { deadlineMs: 200 },
      ),
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toMatchObject({ retryable: true, errorClass: 'grpc.DEADLINE_EXCEEDED' });
  });

  it('turns an unreachable adapter into a retryable error', async () => {
    const nowhere = createProviderClient('127.0.0.1:1', { deadlineMs: 500 });
    try {
      const error = await rejection(nowhere.describe());
      expect(error.retryable).toBe(true);
    } finally {
      nowhere.close();
    }
  });

  it('serves grpc.health.v1 for the server and for the provider service', async () => {
    const health = createPromiseClient(
      healthService as unknown as ServiceDefinition,
      `127.0.0.1:${adapter.port}`,
      {
        deadlineMs: 2000,
      },
    ) as unknown as {
      Check(req: { service: string }): Promise<{ status: unknown }>;
      close(): void;
    };
    try {
      for (const service of ['', PROVIDER_SERVICE_NAME]) {
        expect(String((await health.Check({ service })).status)).toMatch(/^(SERVING|1)$/);
      }
    } finally {
      health.close();
    }
  });

  it('counts and times every call per operation and outcome', async () => {
    const points = async (name: string) => {
      const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
      const found: Record<string, unknown> = {};
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics)
          if (metric.descriptor.name === name)
            for (const p of metric.dataPoints)
              found[`${p.attributes.operation}/${p.attributes.outcome}`] = p.value;
      return found;
    };
    const before = await points(PROVIDER_CALLS_METRIC);
    const count = (key: string) => Number(before[key] ?? 0);
    driver.behaviour = async () => ({ service: undefined });
    await create();
    await create();
    driver.behaviour = async () => {
      throw new ProviderError('refused');
    };
    await create().catch(() => undefined);
    await client.describe();
    const after = await points(PROVIDER_CALLS_METRIC);
    expect(after['createService/ok']).toBe(count('createService/ok') + 2);
    expect(after['createService/error']).toBe(count('createService/error') + 1);
    expect(after['describeProvider/ok']).toBe(count('describeProvider/ok') + 1);
    const durations = await points(PROVIDER_CALL_DURATION_METRIC);
    expect((durations['createService/ok'] as { count: number }).count).toBe(
      after['createService/ok'],
    );
  });
});

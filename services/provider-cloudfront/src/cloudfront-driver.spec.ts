/**
 * The driver's waiting logic with a scripted CloudFront client (no network): what moto
 * cannot show — invalidations in progress and their limits, a disable not yet deployed.
 * The AWS calls themselves are covered against moto (test/*.int-spec.ts).
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { ProviderError } from '@poppy/provider-kit';
import { CloudFrontDriver, MAX_WILDCARD_PATHS_IN_PROGRESS } from './cloudfront-driver';

type Handler = (input: Record<string, unknown>) => unknown;

/** A client whose `send` answers by command name from `handlers`; records each call. */
function scripted(handlers: Record<string, Handler>) {
  const calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const handler = handlers[name];
      if (!handler) throw new Error(`unexpected ${name}`);
      return handler(command.input);
    },
  } as unknown as CloudFrontClient;
  return { client, calls };
}

const purge = (url: string) => ({
  project_id: 'p',
  service_id: 's1',
  provider_service_id: 'D1',
  spec: undefined,
  hard: false,
  purge_url: url,
});

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('CloudFrontDriver purge', () => {
  it('tracks an invalidation of the same path already in progress instead of making another, until it completed', async () => {
    let status = 'InProgress';
    const { client, calls } = scripted({
      ListInvalidationsCommand: () => ({
        InvalidationList: { Items: [{ Id: 'I1', Status: status }] },
      }),
      GetInvalidationCommand: () => ({
        Invalidation: {
          Id: 'I1',
          Status: status,
          InvalidationBatch: { Paths: { Items: ['/img/a.png'] } },
        },
      }),
    });
    const driver = new CloudFrontDriver({ client, pollHintMs: 1234 });
    const error = await rejection(driver.purgeService(purge('/img/a.png')));
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 1234,
      errorClass: 'cloudfront.InvalidationInProgress',
    });
    expect(calls.map((c) => c.command)).not.toContain('CreateInvalidationCommand');
    status = 'Completed';
    await expect(driver.purgeService(purge('/img/a.png'))).resolves.toEqual({
      provider_service_id: 'D1',
      purge_url: '/img/a.png',
    });
    expect(calls.map((c) => c.command)).not.toContain('CreateInvalidationCommand');
  });

  it('waits (retryable) while the wildcard paths in progress are at the limit, and creates plain paths meanwhile', async () => {
    const inProgress = Array.from({ length: MAX_WILDCARD_PATHS_IN_PROGRESS }, (_, i) => ({
      Id: `I${i}`,
      Status: 'InProgress',
    }));
    const { client, calls } = scripted({
      ListInvalidationsCommand: () => ({ InvalidationList: { Items: inProgress } }),
      GetInvalidationCommand: (input) => ({
        Invalidation: {
          Id: input.Id,
          Status: 'InProgress',
          InvalidationBatch: { Paths: { Items: [`/dir${String(input.Id)}/*`] } },
        },
      }),
      CreateInvalidationCommand: () => ({ Invalidation: { Id: 'NEW', Status: 'Completed' } }),
    });
    const driver = new CloudFrontDriver({ client, pollHintMs: 500 });
    const error = await rejection(driver.purgeService(purge('/*')));
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 500,
      errorClass: 'cloudfront.TooManyInvalidationsInProgress',
    });
    await expect(driver.purgeService(purge('/img/a.png'))).resolves.toMatchObject({
      purge_url: '/img/a.png',
    });
    const created = calls.filter((c) => c.command === 'CreateInvalidationCommand');
    expect(created).toHaveLength(1);
    expect(created[0].input).toMatchObject({
      DistributionId: 'D1',
      InvalidationBatch: { Paths: { Quantity: 1, Items: ['/img/a.png'] } },
    });
  });

  it('reports a purge done once the invalidation exists when not asked to wait', async () => {
    const { client } = scripted({
      ListInvalidationsCommand: () => ({ InvalidationList: { Items: [] } }),
      CreateInvalidationCommand: () => ({ Invalidation: { Id: 'NEW', Status: 'InProgress' } }),
    });
    const driver = new CloudFrontDriver({ client, purgeWait: false });
    await expect(driver.purgeService(purge('/*'))).resolves.toEqual({
      provider_service_id: 'D1',
      purge_url: '/*',
    });
  });
});

describe('CloudFrontDriver delete', () => {
  it('disables, then answers "not yet" (retryable, with the hint) until the disabled config deployed, then deletes with If-Match', async () => {
    let enabled = true;
    let status = 'InProgress';
    const { client, calls } = scripted({
      GetDistributionConfigCommand: () => ({
        DistributionConfig: { CallerReference: 's1', Enabled: enabled },
        ETag: enabled ? 'E1' : 'E2',
      }),
      UpdateDistributionCommand: (input) => {
        enabled = (input.DistributionConfig as { Enabled: boolean }).Enabled;
        return { ETag: 'E2', Distribution: { Id: 'D1', Status: 'InProgress' } };
      },
      GetDistributionCommand: () => ({ Distribution: { Id: 'D1', Status: status }, ETag: 'E2' }),
      DeleteDistributionCommand: () => ({}),
    });
    const driver = new CloudFrontDriver({ client, pollHintMs: 700 });
    const request = { project_id: 'p', service_id: 's1', provider_service_id: 'D1' };
    const error = await rejection(driver.deleteService(request));
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 700,
      errorClass: 'cloudfront.DisableInProgress',
    });
    expect(calls.find((c) => c.command === 'UpdateDistributionCommand')?.input).toMatchObject({
      Id: 'D1',
      IfMatch: 'E1',
      DistributionConfig: { Enabled: false },
    });
    // Still deploying: not disabled twice, still not deleted.
    await rejection(driver.deleteService(request));
    expect(calls.filter((c) => c.command === 'UpdateDistributionCommand')).toHaveLength(1);
    expect(calls.filter((c) => c.command === 'DeleteDistributionCommand')).toHaveLength(0);
    status = 'Deployed';
    await expect(driver.deleteService(request)).resolves.toEqual({ provider_service_id: 'D1' });
    expect(calls.find((c) => c.command === 'DeleteDistributionCommand')?.input).toEqual({
      Id: 'D1',
      IfMatch: 'E2',
    });
  });

  it('counts a distribution that is gone as deleted', async () => {
    const gone = Object.assign(new Error('The specified distribution does not exist.'), {
      name: 'NoSuchDistribution',
      $metadata: { httpStatusCode: 404 },
    });
    const { client } = scripted({
      GetDistributionConfigCommand: () => {
        throw gone;
      },
    });
    const driver = new CloudFrontDriver({ client });
    await expect(
      driver.deleteService({ project_id: 'p', service_id: 's1', provider_service_id: 'D1' }),
    ).resolves.toEqual({ provider_service_id: 'D1' });
  });
});

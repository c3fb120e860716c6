import {
  context,
  deployedDetail,
  FakeCatalog,
  FakeProvider,
  jobFor,
  newService,
  retryable,
} from './fakes.test-helper';
import type { FlowContext } from './flow-context';
import { failedDetail } from './provider-details';
import { recordFailure, runProviderFlow, settle } from './provider-flow';
import type { ServiceJob } from './service-job';

/**
 * A flow written as a new kind would be: every provider of the service is asked to
 * describe itself (a stand-in vendor call); the skeleton does the rest.
 */
function runProbe(ctx: FlowContext, job: ServiceJob, anyGeneration = false) {
  const planned: string[] = [];
  const outcome = runProviderFlow(ctx, job, {
    anyGeneration,
    async plan({ service }) {
      const targets = Object.keys(service.provider_details).map((name) => ({
        name,
        id: ctx.providers.idOf(name),
      }));
      planned.push(...targets.map((t) => t.name));
      return { targets };
    },
    async perProvider(run, { id, name }) {
      const answer = await ctx.providers.call(id, (client) => client.describe());
      if (answer.ok) run.writeBack.set(name, { ...run.service.provider_details[name], id: 'seen' });
      else recordFailure(run, name, answer, run.service.provider_details[name]);
    },
    conclude: (run) =>
      settle(run, (name, failure) => failedDetail(run.service.provider_details[name], failure)),
  });
  return { outcome, planned };
}

describe('runProviderFlow', () => {
  let catalog: FakeCatalog;
  let mock: FakeProvider;
  let ctx: FlowContext;
  beforeEach(() => {
    catalog = new FakeCatalog();
    mock = new FakeProvider('Mock');
    ctx = context(catalog, { mock });
  });

  it('does nothing for a job whose service moved to another generation', async () => {
    const s = catalog.put(
      newService({ generation: 3, provider_details: { Mock: deployedDetail('Mock', 'x') } }),
    );
    const { outcome, planned } = runProbe(ctx, jobFor(s, 'update', { generation: 2 }));
    expect(await outcome).toEqual({ type: 'done' });
    expect(planned).toEqual([]);
    expect(catalog.writes).toEqual([]);
  });

  it('runs at any generation when the flow says so, its write-back then dropped as stale', async () => {
    const s = catalog.put(
      newService({ generation: 3, provider_details: { Mock: deployedDetail('Mock', 'x') } }),
    );
    const { outcome, planned } = runProbe(ctx, jobFor(s, 'purge', { generation: 2 }), true);
    expect(await outcome).toEqual({ type: 'done' });
    expect(planned).toEqual(['Mock']);
    expect(catalog.writes.map((w) => w.generation)).toEqual([2]);
    expect(catalog.get(s.service_id)!.provider_details.Mock.id).toBe('Mock-x');
  });

  it('writes each result back and is done when every provider answered', async () => {
    const s = catalog.put(newService({ provider_details: { Mock: deployedDetail('Mock', 'x') } }));
    const { outcome } = runProbe(ctx, jobFor(s, 'update'));
    expect(await outcome).toEqual({ type: 'done' });
    expect(catalog.get(s.service_id)!.provider_details.Mock.id).toBe('seen');
  });

  it('retries a retryable failure after the backoff of the attempt, or later when the vendor asks', async () => {
    const s = catalog.put(newService({ provider_details: { Mock: deployedDetail('Mock', 'x') } }));
    // context(): backoff 100 ms doubling to at most 1000 ms.
    mock.script('describe', retryable('busy'));
    expect(await runProbe(ctx, jobFor(s, 'update', { attempt: 3 })).outcome).toEqual({
      type: 'retry',
      delayMs: 400,
      reason: 'Mock: busy',
    });
    mock.script('describe', retryable('slow down', 700));
    expect(await runProbe(ctx, jobFor(s, 'update', { attempt: 2 })).outcome).toMatchObject({
      type: 'retry',
      delayMs: 700,
    });
  });

  it('records a provider still failing after the last attempt as failed and is done', async () => {
    const s = catalog.put(newService({ provider_details: { Mock: deployedDetail('Mock', 'x') } }));
    mock.script('describe', retryable('busy'));
    const job = jobFor(s, 'update', { attempt: 5, maxAttempts: 5 });
    expect(await runProbe(ctx, job).outcome).toEqual({ type: 'done' });
    expect(catalog.get(s.service_id)!.provider_details.Mock).toMatchObject({
      status: 'failed',
      error_message: 'Failed after 5 attempts: busy',
    });
  });
});

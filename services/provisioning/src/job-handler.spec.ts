import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  context as flowContext,
  FakeCatalog,
  FakeProvider,
  newService,
} from './flows/fakes.test-helper';
import { createJobHandler } from './job-handler';

describe('job handler', () => {
  // What the telemetry SDK installs at boot (libs/platform startTelemetry).
  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });

  it('runs the flow inside the trace of the request that recorded the job', async () => {
    const catalog = new FakeCatalog();
    catalog.flavors.set('duo', { id: 'duo', providers: [{ provider: 'mock', provider_url: 'm' }] });
    const s = catalog.put(newService());
    const seen: Array<string | undefined> = [];
    const read = catalog.getService.bind(catalog);
    catalog.getService = (req) => {
      seen.push(trace.getSpanContext(context.active())?.traceId);
      return read(req);
    };
    const handler = createJobHandler(flowContext(catalog, { mock: new FakeProvider('Mock') }));
    const outcome = await handler({
      job: {
        id: `${s.service_id}:1:create`,
        kind: 'create',
        payload: { project_id: s.project_id, service_id: s.service_id, generation: 1 },
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      },
      attempt: 1,
      maxAttempts: 3,
    });
    expect(outcome).toEqual({ type: 'done' });
    expect(seen).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
  });

  it('fails a malformed job at once instead of retrying it', async () => {
    const handler = createJobHandler(flowContext(new FakeCatalog(), {}));
    expect(
      await handler({ job: { id: 'x', kind: 'create', payload: {} }, attempt: 1, maxAttempts: 3 }),
    ).toMatchObject({ type: 'fail' });
  });
});

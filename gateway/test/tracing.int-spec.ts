/**
 * One request, one trace: the gateway's HTTP server span, its gRPC client span and the
 * catalog's gRPC server span share a trace id (W3C context in gRPC metadata). Fails when
 * telemetry does not start, an instrumentation is missing, or the context is not propagated.
 */
import { startSuite, type Suite } from '@poppy/testing';

jest.setTimeout(60_000);

/** Spans the console exporter printed: `{ traceId: '…', …, name: '…', … }` objects. */
function spans(output: string): Array<{ traceId: string; name: string }> {
  const found: Array<{ traceId: string; name: string }> = [];
  for (const block of output.split(/\n(?=\{)/)) {
    const traceId = /traceId: '([0-9a-f]{32})'/.exec(block)?.[1];
    const name = /\n {2}name: '([^']+)'/.exec(block)?.[1];
    if (traceId && name) found.push({ traceId, name });
  }
  return found;
}

describe('tracing', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ env: { POPPY_OTEL_EXPORTER: 'console' } });
  });
  afterAll(async () => suite?.stop());

  it('follows a request from the gateway into the catalog under one trace id', async () => {
    const res = await fetch(`${suite.baseUrl}/v1.0/flavors/mock`, {
      headers: { 'x-project-id': 'p' },
    });
    expect(res.status).toBe(200);
    let gatewaySpans: Array<{ traceId: string; name: string }> = [];
    let catalogSpans: Array<{ traceId: string; name: string }> = [];
    for (let i = 0; i < 50; i++) {
      gatewaySpans = spans(suite.gateway.output());
      catalogSpans = spans(suite.catalog.output());
      if (gatewaySpans.some((s) => s.name === 'GET') && catalogSpans.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const http = gatewaySpans.find((s) => s.name === 'GET');
    expect(http).toBeDefined();
    const call = 'grpc.poppy.catalog.v1.CatalogService/GetFlavor';
    expect(gatewaySpans).toContainEqual({ traceId: http!.traceId, name: call });
    expect(catalogSpans).toContainEqual({ traceId: http!.traceId, name: call });
  });
});

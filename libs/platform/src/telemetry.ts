/**
 * OpenTelemetry bootstrap: traces (W3C context through gRPC metadata and HTTP headers)
 * and metrics. Off by default (exporter 'none'). Must run before the modules it
 * instruments (@grpc/grpc-js, http) are loaded: main.ts starts it, then imports the rest.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK is loaded lazily (below) */
import type { CommonConfig } from './config';

export interface Telemetry {
  shutdown(): Promise<void>;
}

export function startTelemetry(serviceName: string, config: CommonConfig): Telemetry {
  if (config.telemetryExporter === 'none' && config.metricsPort === 0) {
    return { shutdown: async () => undefined };
  }
  // Loaded lazily so a process with telemetry off never pays for the SDK.
  const { NodeSDK } =
    require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { GrpcInstrumentation } =
    require('@opentelemetry/instrumentation-grpc') as typeof import('@opentelemetry/instrumentation-grpc');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const traceBase =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');

  let spanProcessors: import('@opentelemetry/sdk-trace-base').SpanProcessor[] = [];
  if (config.telemetryExporter === 'console') {
    spanProcessors = [new traceBase.SimpleSpanProcessor(new traceBase.ConsoleSpanExporter())];
  } else if (config.telemetryExporter === 'otlp') {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    spanProcessors = [
      new traceBase.BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
      ),
    ];
  }
  let metricReader: import('@opentelemetry/sdk-metrics').MetricReader | undefined;
  if (config.metricsPort > 0) {
    const { PrometheusExporter } =
      require('@opentelemetry/exporter-prometheus') as typeof import('@opentelemetry/exporter-prometheus');
    metricReader = new PrometheusExporter({ port: config.metricsPort, host: config.metricsHost });
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors,
    metricReader,
    instrumentations: [new GrpcInstrumentation(), new HttpInstrumentation()],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/**
 * Configuration from POPPY_* environment variables, read once at boot. Every problem is
 * collected and reported together (one ConfigError listing all of them), so an operator
 * fixes a bad deployment in one go. Each service declares its options in src/config.ts.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) {
      this.problems.push(`${name}: expected an integer, got '${raw}'`);
      return fallback;
    }
    const value = Number(raw);
    if (
      (range.min !== undefined && value < range.min) ||
      (range.max !== undefined && value > range.max)
    ) {
      this.problems.push(
        `${name}: ${value} is out of range [${range.min ?? '-∞'}, ${range.max ?? '∞'}]`,
      );
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    this.problems.push(`${name}: expected true or false, got '${raw}'`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name}: '${raw}' is not one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  /** host:port, e.g. 127.0.0.1:50051. */
  address(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    if (!/^[^\s:]+:\d{1,5}$/.test(value))
      this.problems.push(`${name}: expected host:port, got '${value}'`);
    return value;
  }

  /** Records a problem found by a cross-field check of the caller. */
  problem(text: string): void {
    this.problems.push(text);
  }

  /** Throws ConfigError listing every problem seen, or returns the frozen config. */
  done<T extends object>(config: T): Readonly<T> {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return Object.freeze(config);
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const TELEMETRY_EXPORTERS = ['none', 'console', 'otlp'] as const;
export type TelemetryExporter = (typeof TELEMETRY_EXPORTERS)[number];

/** Options every process shares. */
export interface CommonConfig {
  /** @default 'info' (POPPY_LOG_LEVEL) */
  logLevel: LogLevel;
  /** @default 'none' (POPPY_OTEL_EXPORTER): traces and metrics off unless asked for. */
  telemetryExporter: TelemetryExporter;
  /** @default 'http://127.0.0.1:4318' (POPPY_OTEL_ENDPOINT) */
  otlpEndpoint: string;
  /** Prometheus scrape port for this process; 0 = no endpoint. @default 0 (POPPY_METRICS_PORT) */
  metricsPort: number;
  /** Address of the Prometheus endpoint (0.0.0.0 in a pod). @default '127.0.0.1' (POPPY_METRICS_HOST) */
  metricsHost: string;
  /** Deadline of an internal gRPC call. @default 5000 (POPPY_GRPC_DEADLINE_MS) */
  grpcDeadlineMs: number;
}

export function readCommonConfig(env: EnvReader): CommonConfig {
  return {
    logLevel: env.oneOf('POPPY_LOG_LEVEL', LOG_LEVELS, 'info'),
    telemetryExporter: env.oneOf('POPPY_OTEL_EXPORTER', TELEMETRY_EXPORTERS, 'none'),
    otlpEndpoint: env.string('POPPY_OTEL_ENDPOINT', 'http://127.0.0.1:4318'),
    metricsPort: env.int('POPPY_METRICS_PORT', 0, { min: 0, max: 65535 }),
    metricsHost: env.string('POPPY_METRICS_HOST', '127.0.0.1'),
    grpcDeadlineMs: env.int('POPPY_GRPC_DEADLINE_MS', 5000, { min: 1 }),
  };
}

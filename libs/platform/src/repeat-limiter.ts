/**
 * Rate limits for log lines that repeat during an outage. A 62 s NATS outage once wrote
 * 1 077 "publish failed; retrying" warnings, one per job per retry (docs/reliability.md,
 * "Chaos suite"): the first occurrence of a line says everything, the rest only how many.
 *
 * Per key (a log line's level and message): the first occurrence in a window is logged,
 * the others in that window are counted, and when the window ends one summary line says
 * "N more in the last T s". The next occurrence after a window is logged again.
 */
import type { Logger } from 'pino';

export interface RepeatSummary {
  key: string;
  /** Occurrences not logged in the window. */
  suppressed: number;
  /** How long the window lasted, first occurrence to its end. */
  windowMs: number;
}

interface Window {
  startedAt: number;
  suppressed: number;
}

/** The decision alone, without a clock of its own: `admit` per occurrence, `due` for the summaries. */
export class RepeatLimiter {
  private readonly windows = new Map<string, Window>();
  private pendingSummaries: RepeatSummary[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True: log this occurrence. False: it was counted for the window's summary. */
  admit(key: string): boolean {
    const now = this.now();
    const open = this.windows.get(key);
    if (open && now - open.startedAt < this.windowMs) {
      open.suppressed += 1;
      return false;
    }
    // A window that ended with suppressed occurrences keeps its summary until `due` takes it.
    if (open && open.suppressed > 0) this.pendingSummaries.push(this.summaryOf(key, open));
    this.windows.set(key, { startedAt: now, suppressed: 0 });
    return true;
  }

  /** The summaries of the windows that ended since the last call; each is returned once. */
  due(): RepeatSummary[] {
    const now = this.now();
    const out = this.pendingSummaries;
    this.pendingSummaries = [];
    for (const [key, window] of this.windows) {
      if (now - window.startedAt < this.windowMs) continue;
      if (window.suppressed > 0) out.push(this.summaryOf(key, window));
      this.windows.delete(key);
    }
    return out;
  }

  /** Keys with an open window (for tests and to know whether a timer is needed). */
  get size(): number {
    return this.windows.size + this.pendingSummaries.length;
  }

  private summaryOf(key: string, window: Window): RepeatSummary {
    return { key, suppressed: window.suppressed, windowMs: this.windowMs };
  }
}

/** "publish failed; retrying (1076 more in the last 60 s)". */
export function describeRepeats(message: string, summary: RepeatSummary): string {
  return `${message} (${summary.suppressed} more in the last ${Math.round(summary.windowMs / 1000)} s)`;
}

type LimitedLevel = 'warn' | 'error';

/**
 * The logger with its warn and error lines rate-limited per message (RepeatLimiter);
 * other levels pass through. For loggers handed to code that logs once per failed
 * attempt, e.g. the job queue's driver during a NATS outage.
 */
export function limitRepeatedLogs(logger: Logger, windowMs = 60_000): Logger {
  const limiter = new RepeatLimiter(windowMs);
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    for (const summary of limiter.due()) {
      const [level, message] = splitKey(summary.key);
      logger[level]({ repeated: summary.suppressed }, describeRepeats(message, summary));
    }
    if (limiter.size > 0) schedule();
  };
  const schedule = (): void => {
    timer ??= setTimeout(flush, windowMs);
    timer.unref();
  };
  const limited = (level: LimitedLevel) =>
    function (this: unknown, ...args: unknown[]): void {
      const message = typeof args[0] === 'string' ? args[0] : String(args[1] ?? '');
      if (!limiter.admit(`${level} ${message}`)) return;
      schedule();
      (logger[level] as (...a: unknown[]) => void).apply(logger, args);
    };
  const overrides: Record<LimitedLevel, (...args: unknown[]) => void> = {
    warn: limited('warn'),
    error: limited('error'),
  };
  return new Proxy(logger, {
    get(target, prop, receiver) {
      if (prop === 'warn' || prop === 'error') return overrides[prop];
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

function splitKey(key: string): [LimitedLevel, string] {
  const space = key.indexOf(' ');
  return [key.slice(0, space) as LimitedLevel, key.slice(space + 1)];
}

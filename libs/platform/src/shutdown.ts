import type { Logger } from './logging';

/**
 * Graceful shutdown: on SIGTERM/SIGINT run the registered steps in reverse order of
 * registration (stop accepting work first, close storage last), then exit. A second
 * signal, or steps taking longer than the grace period, exit at once.
 */
export class Shutdown {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];
  private stopping = false;

  constructor(
    private readonly logger: Logger,
    private readonly graceMs = 10_000,
  ) {}

  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  listen(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopping) {
        this.logger.warn({ signal }, 'second signal, exiting now');
        process.exit(1);
      }
      void this.run(signal).then((code) => process.exit(code));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  async run(reason: string): Promise<number> {
    this.stopping = true;
    this.logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      this.logger.error({ graceMs: this.graceMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, this.graceMs);
    timer.unref();
    let code = 0;
    for (const step of [...this.steps].reverse()) {
      try {
        await step.run();
      } catch (err) {
        code = 1;
        this.logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    clearTimeout(timer);
    this.logger.info('stopped');
    return code;
  }
}

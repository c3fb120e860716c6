/**
 * The concurrency budget of one consumer. Pollers reserve slots *before* asking the
 * store for jobs, so a job is only ever claimed when a handler can start on it at once
 * (a claimed job waiting in a local buffer would burn its lease doing nothing).
 */
export class Slots {
  private used = 0;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Waits until a slot is free, then reserves between 1 and `max` of them; 0 once closed. */
  async acquire(max: number): Promise<number> {
    while (!this.closed && this.used >= this.capacity) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.closed) return 0;
    const n = Math.max(1, Math.min(max, this.capacity - this.used));
    this.used += n;
    return n;
  }

  release(n: number): void {
    if (n <= 0) return;
    this.used -= n;
    this.wake();
  }

  /** Wakes every waiter; acquire() returns 0 from now on. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((resolve) => resolve());
  }
}

import type { JobQueue } from './job-queue';

export interface QueueHealthWatch {
  stop(): void;
}

/**
 * Asks the queue every `intervalMs` whether jobs can be published and consumed
 * (`JobQueue.ping`) and reports each change, starting with the first answer. A process
 * that only consumes (provisioning) turns this into its grpc.health.v1 status, so a
 * worker whose stream is gone is NOT_SERVING rather than idle and "healthy".
 */
export function watchQueueHealth(
  queue: Pick<JobQueue, 'ping'>,
  onChange: (online: boolean) => void,
  intervalMs: number,
): QueueHealthWatch {
  let last: boolean | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    const online = await queue.ping().catch(() => false);
    if (stopped) return;
    if (online !== last) {
      last = online;
      onChange(online);
    }
    timer = setTimeout(() => void check(), intervalMs);
    timer.unref();
  };
  void check();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * The distributed JobQueue driver: NATS JetStream.
 *
 * - One stream (default `POPPY_JOBS`, file storage, work-queue retention: a job leaves the
 *   stream once acked or terminated) bound to `<prefix>.jobs.>`; a job is published on
 *   `<prefix>.jobs.<kind>` with `Nats-Msg-Id = job.id`, so the stream's duplicate window
 *   drops a re-publish. The body is the payload as JSON; `job.headers` travel as message
 *   headers (W3C trace context included), the id in `Nats-Msg-Id`, the kind in the subject.
 * - Workers pull from durable consumers with explicit ack and `ack_wait = leaseMs`. The
 *   server tracks attempts (`deliveryCount`); retry = `nak(delay)`, give-up =
 *   onTerminated then `term()`. While a handler runs its lease is renewed with
 *   `working()`, so only a dead or disconnected worker loses its jobs.
 *
 * Limits of nats-server 2.9 this works around (also in libs/jobs/README.md):
 * - A 2.9 consumer filters one subject (`filter_subjects` is 2.10+), so a worker taking
 *   several kinds gets one durable consumer per kind, named `<durable>_<kind>`, all
 *   sharing the worker's concurrency budget. Workers that share a durable name share
 *   the work; on a work-queue stream two different durables cannot take the same kind.
 * - `max_deliver` is left unlimited and attempts are counted here: with
 *   `max_deliver = maxAttempts` the server silently parks a job whose last attempt's
 *   worker died (it only emits an advisory), and onTerminated would never hear of it.
 *   A delivery beyond maxAttempts therefore goes straight to onTerminated instead.
 * - `max_ack_pending` is unlimited because jobs waiting out a nak delay count as pending,
 *   and the default (1000) would stall the consumer during a vendor outage.
 *
 * The stream and the consumers are not created once and trusted forever: a server that
 * restarts without its store (or an operator who deletes them) leaves a connection that
 * reconnects fine but can neither publish nor pull. The queue therefore re-creates
 * whatever is missing after every reconnect, whenever a publish or a pull fails, and
 * every `topologyCheckMs`; `ping()` answers whether the stream and this process's
 * consumers exist right now (after trying to repair them), which is what the health
 * reports mean by "the job queue is online". See docs/reliability.md ("Queue, store and
 * write-back guarantees").
 */
import * as transport from '@nats-io/transport-node';
import type * as core from '@nats-io/nats-core/lib/mod';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { backoffDelayMs } from '@poppy/resilience';
import pino, { type Logger } from 'pino';
import { errorMessage, runDelivery, type Settlement } from '../delivery';
import {
  resolveConsumeOptions,
  validateJob,
  type ConsumeOptions,
  type Job,
  type JobConsumer,
  type JobHandler,
  type JobQueue,
  type ResolvedConsumeOptions,
} from '../job-queue';
import { Slots } from '../slots';

export interface NatsJobQueueOptions {
  /** e.g. `nats://127.0.0.1:4222`, or several URLs of one cluster. */
  servers: string | string[];
  /** @default 'POPPY_JOBS' */
  stream?: string;
  /** Subjects are `<subjectPrefix>.jobs.<kind>`. @default 'poppy' */
  subjectPrefix?: string;
  /** Consumers are `<durable>_<kind>`; processes with the same durable share the work. @default 'poppy-workers' */
  durable?: string;
  /**
   * The stream's duplicate window, set when this queue creates the stream.
   * @default 120_000
   */
  duplicateWindowMs?: number;
  /**
   * Copies of the stream a JetStream cluster keeps, set when this queue creates the stream
   * (an existing stream is left as it is). 3 on a 3-node cluster survives one node's loss
   * (deploy/kustomize/infra/nats; docs/reliability.md); a single server takes only 1.
   * @default 1
   */
  replicas?: number;
  /**
   * How long publish() keeps retrying while the server is unreachable (restart,
   * failover). Retrying is safe: the message id makes a re-sent publish a duplicate.
   * @default 15_000
   */
  publishTimeoutMs?: number;
  /**
   * Wait between reconnect attempts; reconnection never gives up.
   * @default 250
   */
  reconnectWaitMs?: number;
  /**
   * How often the stream and this process's consumers are checked and re-created when
   * missing, in addition to after every reconnect and every failed publish or pull.
   * @default 5_000
   */
  topologyCheckMs?: number;
  /** Shows in the server's connection list. */
  connectionName?: string;
  logger?: Logger;
}

// Under this repo's `moduleResolution: node`, @nats-io/nats-core's declarations are
// unreachable through its package entry (a broken "types" field and an exports-only
// subpath), so transport-node's re-exports type as nothing. Type-only deep imports do
// resolve; this gives the runtime module its real types without touching tsconfig.
const nats = transport as unknown as Pick<typeof core, 'headers' | 'nanos'> & {
  connect(options: core.ConnectionOptions): Promise<core.NatsConnection>;
};
type NatsConnection = core.NatsConnection;

/** How long one pull request waits for jobs; also bounds how long an idle kind holds a slot. */
const FETCH_EXPIRES_MS = 1_000;
/** Between re-sends of a publish the server did not acknowledge (a restart looks like that). */
const PUBLISH_RETRY = { initialMs: 50, maxMs: 1_000 };
/** Between fetches after the last one failed. */
const FETCH_RETRY = { initialMs: 50, maxMs: 2_000 };
const NAME = /^[A-Za-z0-9_-]+$/;
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export class NatsJobQueue implements JobQueue {
  readonly driverName = 'nats' as const;
  private readonly consumers = new Set<NatsConsumer>();
  private readonly onConnectionChange = new Set<() => void>();
  /** Durable consumers this process pulls from (kind → options), re-created when missing. */
  private readonly wantedConsumers = new Map<string, ResolvedConsumeOptions>();
  /** The repair in progress, shared by everyone who notices something missing. */
  private repairing: Promise<void> | undefined;
  private topologyTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly settings: Required<
      Omit<
        NatsJobQueueOptions,
        'servers' | 'connectionName' | 'logger' | 'reconnectWaitMs' | 'topologyCheckMs'
      >
    >,
    private readonly logger: Logger,
  ) {}

  /** Connects and creates the stream if it does not exist yet. */
  static async connect(options: NatsJobQueueOptions): Promise<NatsJobQueue> {
    const settings = {
      stream: options.stream ?? 'POPPY_JOBS',
      subjectPrefix: options.subjectPrefix ?? 'poppy',
      durable: options.durable ?? 'poppy-workers',
      duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
      replicas: options.replicas ?? 1,
      publishTimeoutMs: options.publishTimeoutMs ?? 15_000,
    };
    const problems: string[] = [];
    if (!NAME.test(settings.stream))
      problems.push(`stream ${JSON.stringify(settings.stream)} must match ${NAME}`);
    if (!SUBJECT_PREFIX.test(settings.subjectPrefix))
      problems.push(
        `subjectPrefix ${JSON.stringify(settings.subjectPrefix)} must be dot-separated tokens of ${NAME}`,
      );
    if (!NAME.test(settings.durable))
      problems.push(`durable ${JSON.stringify(settings.durable)} must match ${NAME}`);
    if (!(settings.duplicateWindowMs > 0)) problems.push('duplicateWindowMs must be > 0');
    if (!(settings.publishTimeoutMs > 0)) problems.push('publishTimeoutMs must be > 0');
    const topologyCheckMs = options.topologyCheckMs ?? 5_000;
    if (!(topologyCheckMs > 0)) problems.push('topologyCheckMs must be > 0');
    if (!(Number.isInteger(settings.replicas) && settings.replicas >= 1 && settings.replicas <= 5))
      problems.push('replicas must be an integer from 1 to 5');
    if (problems.length > 0)
      throw new RangeError(`invalid NATS job queue options: ${problems.join('; ')}`);

    const logger = options.logger ?? pino({ level: 'silent' });
    const nc = await nats.connect({
      servers: options.servers,
      name: options.connectionName,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs ?? 250,
      reconnectJitter: 100,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const queue = new NatsJobQueue(nc, jsm, jetstream(nc), settings, logger);
      queue.watchConnection();
      await queue.ensureStream();
      queue.checkTopologyEvery(topologyCheckMs);
      return queue;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  async publish(job: Job): Promise<{ duplicate: boolean }> {
    validateJob(job);
    const subject = this.subjectFor(job.kind);
    const hdrs = nats.headers();
    for (const [name, value] of Object.entries(job.headers ?? {})) hdrs.set(name, value);
    const body = JSON.stringify(job.payload);
    const deadline = Date.now() + this.settings.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.closed || this.nc.isClosed()) throw new Error('job queue is closed');
      let abandon: (() => void) | undefined;
      try {
        const disconnected = new Promise<never>((_, reject) => {
          abandon = () =>
            reject(
              new Error('connection lost or re-established while waiting for the publish ack'),
            );
          this.onConnectionChange.add(abandon);
        });
        // A request in flight when the server goes away, or buffered while it was away,
        // can miss its reply (seen with a 2.9 restart); waiting out the request timeout
        // would stall publishing for seconds, while re-sending is harmless.
        const ack = await Promise.race([
          this.js.publish(subject, body, {
            msgID: job.id,
            headers: hdrs,
            expect: { streamName: this.settings.stream },
            timeout: Math.max(500, Math.min(5_000, deadline - Date.now())),
          }),
          disconnected,
        ]);
        return { duplicate: ack.duplicate };
      } catch (err) {
        // Timeouts and "no responders" are what a restarting server looks like; re-sending
        // is safe because the message id deduplicates the copy that may have been stored.
        if (this.closed || this.nc.isClosed() || Date.now() >= deadline) {
          throw new Error(
            `publishing job ${job.id} failed after ${attempt} tries: ${errorMessage(err)}`,
            { cause: err },
          );
        }
        this.logger.warn({ err, jobId: job.id, attempt }, 'publish failed; retrying');
        // "No responders" is also what a publish to a stream that is gone looks like.
        if (isNoResponders(err) || isApiError(err, JetStreamApiCodes.StreamNotFound))
          await this.repairTopology().catch(() => undefined);
        await sleep(
          Math.min(backoffDelayMs(attempt, PUBLISH_RETRY), Math.max(0, deadline - Date.now())),
        );
      } finally {
        if (abandon) this.onConnectionChange.delete(abandon);
      }
    }
  }

  async consume(handler: JobHandler, options: ConsumeOptions): Promise<JobConsumer> {
    const resolved = resolveConsumeOptions(options);
    if (this.closed) throw new Error('job queue is closed');
    const pullers = await Promise.all(
      resolved.kinds.map((kind) => this.ensureConsumer(kind, resolved)),
    );
    for (const kind of resolved.kinds) this.wantedConsumers.set(kind, resolved);
    const consumer = new NatsConsumer(this.nc, handler, resolved, pullers, {
      logger: this.logger,
      kindOf: (subject) => this.kindOf(subject),
      reensure: async (kind) => {
        await this.repairTopology();
        return this.js.consumers.get(this.settings.stream, `${this.settings.durable}_${kind}`);
      },
      onStopped: () => this.consumers.delete(consumer),
    });
    this.consumers.add(consumer);
    consumer.start();
    return { stop: () => consumer.stop() };
  }

  /**
   * True when jobs can be published and consumed right now: the stream exists with the
   * job queue's settings and so does every consumer this process pulls from (anything
   * missing is re-created first). A connection that is up is not enough.
   */
  async ping(): Promise<boolean> {
    if (this.closed || this.nc.isClosed()) return false;
    try {
      await withTimeout(this.repairTopology(), 2_000);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.topologyTimer);
    this.consumers.forEach((consumer) => consumer.abandon());
    this.consumers.clear();
    await this.nc.close();
  }

  private watchConnection(): void {
    (async () => {
      for await (const status of this.nc.status()) {
        if (status.type !== 'disconnect' && status.type !== 'reconnect') continue;
        this.logger.warn({ server: status.server }, `NATS ${status.type}`);
        this.onConnectionChange.forEach((abandon) => abandon());
        // The server we reconnected to may have lost its store (or be another node).
        if (status.type === 'reconnect') this.repairInBackground('after a reconnect');
      }
    })().catch(() => undefined);
  }

  private checkTopologyEvery(ms: number): void {
    this.topologyTimer = setInterval(() => this.repairInBackground('periodic check'), ms);
    this.topologyTimer.unref();
  }

  private repairInBackground(why: string): void {
    if (this.closed || this.nc.isClosed()) return;
    this.repairTopology().catch((err: unknown) =>
      this.logger.warn({ err, why }, 'the job stream or its consumers cannot be re-created yet'),
    );
  }

  /**
   * Makes sure the stream and every consumer this process pulls from exist, creating what
   * is missing. One repair at a time; callers that arrive meanwhile share its outcome.
   */
  private repairTopology(): Promise<void> {
    this.repairing ??= (async () => {
      const created = await this.ensureStream();
      for (const [kind, options] of this.wantedConsumers) await this.ensureConsumer(kind, options);
      if (created)
        this.logger.warn(
          { stream: this.settings.stream, consumers: [...this.wantedConsumers.keys()] },
          'the job stream was missing (server restarted without its store?); re-created it',
        );
    })().finally(() => {
      this.repairing = undefined;
    });
    return this.repairing;
  }

  private subjectFor(kind: string): string {
    return `${this.settings.subjectPrefix}.jobs.${kind}`;
  }

  private kindOf(subject: string): string {
    return subject.slice(`${this.settings.subjectPrefix}.jobs.`.length);
  }

  /** Creates the stream if it is missing (true when this call created it). */
  private async ensureStream(): Promise<boolean> {
    const { stream, subjectPrefix, duplicateWindowMs, replicas } = this.settings;
    const subjects = [`${subjectPrefix}.jobs.>`];
    const existing = await this.jsm.streams.info(stream).catch((err: unknown) => {
      if (isApiError(err, JetStreamApiCodes.StreamNotFound)) return undefined;
      throw err;
    });
    if (!existing) {
      try {
        await this.jsm.streams.add({
          name: stream,
          subjects,
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          duplicate_window: nats.nanos(duplicateWindowMs),
          num_replicas: replicas,
        });
        return true;
      } catch (err) {
        // Another worker may have created it in the meantime; check what is there now.
        const raced = await this.jsm.streams.info(stream).catch(() => undefined);
        if (!raced) throw err;
        this.checkStream(raced.config.subjects ?? [], raced.config.retention, subjects[0]!);
        return false;
      }
    }
    this.checkStream(existing.config.subjects ?? [], existing.config.retention, subjects[0]!);
    return false;
  }

  private checkStream(subjects: string[], retention: RetentionPolicy, wanted: string): void {
    if (!subjects.includes(wanted) || retention !== RetentionPolicy.Workqueue) {
      throw new Error(
        `stream ${this.settings.stream} exists with subjects ${JSON.stringify(subjects)} and retention ${retention}; ` +
          `the job queue needs subjects ["${wanted}"] and work-queue retention`,
      );
    }
  }

  /** Creates the kind's durable consumer, or brings its lease settings up to date. */
  private async ensureConsumer(kind: string, options: ResolvedConsumeOptions): Promise<Consumer> {
    const { stream, durable } = this.settings;
    const name = `${durable}_${kind}`;
    const wanted: Partial<ConsumerConfig> = {
      durable_name: name,
      filter_subject: this.subjectFor(kind),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nats.nanos(options.leaseMs),
      max_deliver: -1,
      max_ack_pending: -1,
    };
    const info = await this.jsm.consumers.info(stream, name).catch((err: unknown) => {
      if (isApiError(err, JetStreamApiCodes.ConsumerNotFound)) return undefined;
      throw err;
    });
    if (!info) {
      // Another worker of the same durable may add it at the same moment; same config, same result.
      await this.jsm.consumers.add(stream, wanted);
    } else if (
      info.config.ack_wait !== wanted.ack_wait ||
      info.config.max_deliver !== -1 ||
      info.config.max_ack_pending !== -1
    ) {
      // Last writer wins: workers of one durable are expected to run the same options.
      await this.jsm.consumers.update(stream, name, {
        ack_wait: wanted.ack_wait,
        max_deliver: -1,
        max_ack_pending: -1,
      });
    }
    return this.js.consumers.get(stream, name);
  }
}

interface NatsConsumerContext {
  logger: Logger;
  kindOf: (subject: string) => string;
  reensure: (kind: string) => Promise<Consumer>;
  onStopped: () => void;
}

class NatsConsumer {
  private readonly slots: Slots;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly leaseTimers = new Set<NodeJS.Timeout>();
  private readonly fetches = new Set<ConsumerMessages>();
  private loops: Array<Promise<void>> = [];
  private stopping = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly handler: JobHandler,
    private readonly options: ResolvedConsumeOptions,
    private readonly pullers: Consumer[],
    private readonly ctx: NatsConsumerContext,
  ) {
    this.slots = new Slots(options.concurrency);
  }

  start(): void {
    this.loops = this.pullers.map((puller, i) => this.pullLoop(puller, this.options.kinds[i]!));
  }

  async stop(): Promise<void> {
    this.halt();
    await Promise.all(this.loops);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    // ack/nak/term are fire-and-forget publishes: make sure they left before saying we're done.
    if (!this.nc.isClosed()) await withTimeout(this.nc.flush(), 5_000).catch(() => undefined);
    this.ctx.onStopped();
  }

  /** The connection is going away under us (a crash, as far as the jobs are concerned). */
  abandon(): void {
    this.halt();
    this.leaseTimers.forEach(clearInterval);
    this.leaseTimers.clear();
  }

  private halt(): void {
    this.stopping = true;
    this.slots.close();
    // The server drops a pending pull request once nobody listens on its inbox, so
    // stopping a fetch early strands no job.
    this.fetches.forEach((fetch) => fetch.stop());
  }

  /**
   * One pull loop per kind. An idle kind asks for one job at a time so that it holds at
   * most one slot of the shared budget while it waits; once jobs flow it asks for as
   * many as there are free slots.
   */
  private async pullLoop(initial: Consumer, kind: string): Promise<void> {
    let puller = initial;
    let idle = true;
    let failures = 0;
    while (!this.stopping && !this.nc.isClosed()) {
      const reserved = await this.slots.acquire(idle ? 1 : this.options.concurrency);
      if (reserved === 0) break;
      let received = 0;
      let batch: ConsumerMessages | undefined;
      try {
        batch = await puller.fetch({ max_messages: reserved, expires: FETCH_EXPIRES_MS });
        this.fetches.add(batch);
        if (this.stopping) batch.stop();
        for await (const msg of batch) {
          if (this.stopping || received >= reserved) {
            // Arrived after stop(): hand it straight back rather than let its lease run out.
            msg.nak();
            continue;
          }
          received++;
          this.run(msg);
        }
        failures = 0;
      } catch (err) {
        if (this.stopping || this.nc.isClosed()) break;
        failures++;
        this.ctx.logger.warn({ err, kind, failures }, 'fetching jobs failed; retrying');
        await sleep(backoffDelayMs(failures + 1, FETCH_RETRY));
        // A pull nobody answers usually means the consumer (or the whole stream) is gone,
        // e.g. the server restarted without its store: re-create them before pulling again.
        puller = await this.ctx.reensure(kind).catch((e: unknown) => {
          this.ctx.logger.warn({ err: e, kind }, 'recreating the consumer failed');
          return puller;
        });
      } finally {
        if (batch) this.fetches.delete(batch);
        this.slots.release(reserved - received);
      }
      idle = received === 0;
    }
  }

  private run(msg: JsMsg): void {
    const { job, poison } = this.decode(msg);
    const lease = setInterval(
      () => {
        try {
          if (!this.nc.isClosed()) msg.working();
        } catch {
          // Disconnected: the next tick tries again; a lost lease means a redelivery, not a loss.
        }
      },
      Math.max(10, Math.floor(this.options.leaseMs / 3)),
    );
    this.leaseTimers.add(lease);
    const task = runDelivery(
      this.handler,
      { job, deliveryCount: msg.info.deliveryCount, poison },
      this.options,
      this.ctx.logger,
    )
      .then((settlement) => this.settle(msg, settlement))
      .catch((err) =>
        this.ctx.logger.error(
          { err, jobId: job.id },
          'settling a job failed; it returns when its lease expires',
        ),
      )
      .finally(() => {
        clearInterval(lease);
        this.leaseTimers.delete(lease);
        this.inFlight.delete(task);
        this.slots.release(1);
      });
    this.inFlight.add(task);
  }

  private settle(msg: JsMsg, settlement: Settlement): void {
    if (this.nc.isClosed()) return;
    switch (settlement.type) {
      case 'ack':
        return msg.ack();
      case 'terminated':
        return msg.term(settlement.reason);
      case 'retry':
        return settlement.delayMs > 0 ? msg.nak(settlement.delayMs) : msg.nak();
    }
  }

  private decode(msg: JsMsg): { job: Job; poison?: string } {
    const headers: Record<string, string> = {};
    let id = `${msg.info.stream}:${msg.seq}`;
    for (const [name, values] of msg.headers ?? []) {
      if (name.toLowerCase() === 'nats-msg-id') id = values[0] ?? id;
      else if (!/^nats-/i.test(name)) headers[name] = values.join(', ');
    }
    const job: Job = { id, kind: this.ctx.kindOf(msg.subject), payload: {} };
    if (Object.keys(headers).length > 0) job.headers = headers;
    try {
      const payload: unknown = msg.json();
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
        throw new Error('payload is not a JSON object');
      job.payload = payload as Record<string, unknown>;
      return { job };
    } catch (err) {
      return { job, poison: `stored job cannot be decoded: ${errorMessage(err)}` };
    }
  }
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

function isNoResponders(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.name === 'NoRespondersError' || /no responders/i.test(e.message)) return true;
  }
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The catalog store on Apache Cassandra (5.0; schema in ./migrations). What is atomic and
 * what is not is the contract of this file — docs/adr/0003-cassandra-catalog-store.md explains it:
 *
 * - Domain uniqueness is strict: a domain is one row of `domains`, claimed with
 *   `INSERT … IF NOT EXISTS` (Paxos). A claim is released or taken over only by conditional
 *   statements that name its token (`claimed_at`), so a claim a committed service relies on is
 *   never dropped by a concurrent writer. A claim left behind by a crash (its service row never
 *   landed, or no longer lists the domain) is taken over once older than STALE_CLAIM_MS.
 * - Every change of a service row is conditional on its generation (`IF generation = ?`), so
 *   concurrent read-modify-writes cannot both win; the status / flavor / provider-URL indexes
 *   are storage-attached indexes of that same row, never out of step with it.
 * - The per-project limit: creates within one project are serialised by a lease row
 *   (`project_locks`, LWT + TTL), so two concurrent creates cannot both take the last slot.
 *   Not atomic: a lease that outlives its TTL (a catalog paused > LOCK_TTL_S), and a delete
 *   that fails (status back to failed) while a create counts — the count may then be one off.
 * - A create's service row and its outbox job are one logged batch (all or nothing). A
 *   replace is a Paxos update, which cannot share a batch, so its job is written FIRST; if the
 *   update does not apply, the job is deleted; if the catalog dies in between, the orphan job
 *   (its generation never reached by the service) is dropped by listPendingJobs after
 *   ORPHAN_JOB_MS — the relay never hands out a job for a write that did not land.
 * - deleteFlavor's "in use" check is a read then a delete: a service created with the flavor
 *   at that very moment can keep a deleted flavor's id (the catalog checks the flavor first).
 *
 * Driver errors meaning "the cluster is not reachable / did not answer in time" become
 * PoppyError `unavailable` (gRPC UNAVAILABLE, HTTP 503).
 */
import { randomUUID } from 'node:crypto';
import cassandra from 'cassandra-driver';
import {
  aggregateServiceStatus,
  conflict,
  invalid,
  limitExceeded,
  unavailable,
  type Flavor,
  type ProviderDetail,
  type Service,
  type ServiceSpec,
  type ServiceStatus,
} from '@poppy/domain';
import type { CatalogStore, OutboxJob, ServiceRef } from '../../store/catalog-store';
import { CONSISTENCY, createCassandraClient, translateCassandraError } from './cassandra-client';
import type { CassandraConfig } from './cassandra-config';
import { ensureKeyspace, migrateCassandra } from './migrator';
import { CassandraAkamaiState } from './cassandra-akamai-state';

const { TimeUuid } = cassandra.types;
type Row = cassandra.types.Row;

/** A claim younger than this is never taken over: its writer may still be committing. */
const STALE_CLAIM_MS = 30_000;
const LOCK_TTL_S = 10;
const LOCK_WAIT_MS = 3_000;
const BUCKET_MS = 60_000;
/** Buckets this far behind "now" may still receive a job (clock skew, slow writers). */
const CURSOR_GRACE_BUCKETS = 5;
const ORPHAN_JOB_MS = 60_000;
const FLAVOR_REALM = 'flavors';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function specOf(service: Service): ServiceSpec {
  const { name, domains, origins, caching, restrictions, flavor_id, log_delivery } = service;
  return { name, domains, origins, caching, restrictions, flavor_id, log_delivery };
}

function serviceFromRow(row: Row): Service {
  return {
    service_id: row.get('service_id') as string,
    project_id: row.get('project_id') as string,
    ...(JSON.parse(row.get('spec') as string) as ServiceSpec),
    operator_status: row.get('operator_status') as Service['operator_status'],
    provider_details: JSON.parse(row.get('provider_details') as string) as Record<
      string,
      ProviderDetail
    >,
    generation: row.get('generation') as number,
  };
}

function providerUrlPairs(details: Record<string, ProviderDetail>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const detail of Object.values(details)) {
    for (const url of detail.access_urls)
      if (url.provider_url && url.domain) pairs.push([url.provider_url, url.domain]);
  }
  return pairs;
}

const providerUrls = (details: Record<string, ProviderDetail>): string[] => [
  ...new Set(providerUrlPairs(details).map(([u]) => u)),
];
const bucketOf = (ms: number): cassandra.types.Long =>
  cassandra.types.Long.fromNumber(Math.floor(ms / BUCKET_MS));

type ClaimOutcome = 'inserted' | 'kept';

export class CassandraCatalogStore implements CatalogStore {
  readonly driverName = 'cassandra';
  readonly akamai: CassandraAkamaiState;
  private readonly read: cassandra.QueryOptions;
  private readonly write: cassandra.QueryOptions;
  private readonly lwt: cassandra.QueryOptions;

  private constructor(
    private readonly client: cassandra.Client,
    config: CassandraConfig,
  ) {
    this.read = {
      prepare: true,
      consistency: CONSISTENCY[config.readConsistency],
      isIdempotent: true,
    };
    this.write = {
      prepare: true,
      consistency: CONSISTENCY[config.writeConsistency],
      isIdempotent: true,
    };
    // Not idempotent: a retried Paxos round could report "not applied" for its own first attempt.
    this.lwt = {
      prepare: true,
      consistency: CONSISTENCY[config.writeConsistency],
      serialConsistency: CONSISTENCY[config.serialConsistency],
      isIdempotent: false,
    };
    this.akamai = new CassandraAkamaiState(client, {
      read: this.read,
      write: this.write,
      lwt: this.lwt,
    });
  }

  /** Connects, creates the keyspace if missing and applies pending migrations. */
  static async open(
    config: CassandraConfig,
    log: (msg: string) => void = () => undefined,
  ): Promise<CassandraCatalogStore> {
    await ensureKeyspace(config);
    const client = createCassandraClient(config, config.keyspace);
    try {
      await client.connect();
      const report = await migrateCassandra(client, config, undefined, log);
      log(
        `cassandra schema at version ${report.current} (applied now: ${report.applied.join(', ') || 'none'})`,
      );
      const store = new CassandraCatalogStore(client, config);
      // The relay's scan starts at the oldest bucket a job of this catalog can be in.
      await client.execute(
        'INSERT INTO outbox_cursor (name, bucket) VALUES (?, ?) IF NOT EXISTS',
        ['outbox', bucketOf(Date.now() - CURSOR_GRACE_BUCKETS * BUCKET_MS)],
        store.lwt,
      );
      return store;
    } catch (e) {
      await client.shutdown().catch(() => undefined);
      throw e;
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw translateCassandraError(e);
    }
  }

  private async allRows(cql: string, params: unknown[]): Promise<Row[]> {
    const rows: Row[] = [];
    let pageState: string | undefined;
    do {
      const r = await this.client.execute(cql, params, {
        ...this.read,
        fetchSize: 1000,
        ...(pageState ? { pageState } : {}),
      });
      rows.push(...r.rows);
      pageState = r.pageState ?? undefined;
    } while (pageState);
    return rows;
  }

  private async serviceRow(projectId: string, serviceId: string): Promise<Row | undefined> {
    const r = await this.client.execute(
      'SELECT * FROM services WHERE project_id = ? AND service_id = ?',
      [projectId, serviceId],
      this.read,
    );
    return r.first() ?? undefined;
  }

  // ------------------------------------------------------------------ domain claims

  /** True when the claim's owner no longer needs it: its row is gone or lists other domains. */
  private async claimIsStale(domain: string, claim: Row): Promise<boolean> {
    const claimedAt = claim.get('claimed_at') as Date | null;
    if (claimedAt && Date.now() - claimedAt.getTime() < STALE_CLAIM_MS) return false;
    const owner = await this.serviceRow(
      claim.get('project_id') as string,
      claim.get('service_id') as string,
    );
    if (!owner) return true;
    return !serviceFromRow(owner).domains.some((d) => d.domain === domain);
  }

  /** Claims `domain` for the service with token `at`, or throws invalid when another service holds it. */
  private async claimDomain(domain: string, service: Service, at: Date): Promise<ClaimOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = await this.client.execute(
        'INSERT INTO domains (domain, project_id, service_id, claimed_at) VALUES (?, ?, ?, ?) IF NOT EXISTS',
        [domain, service.project_id, service.service_id, at],
        this.lwt,
      );
      if (r.wasApplied()) return 'inserted';
      const existing = r.first();
      if (existing.get('service_id') === service.service_id) {
        // Already ours (an earlier generation or a concurrent attempt): re-stamp it, so that an
        // attempt that inserted it and then loses its generation check cannot release it.
        const restamp = await this.client.execute(
          'UPDATE domains SET claimed_at = ? WHERE domain = ? IF service_id = ?',
          [at, domain, service.service_id],
          this.lwt,
        );
        if (restamp.wasApplied()) return 'kept';
        continue; // released meanwhile: try to insert again
      }
      if (!(await this.claimIsStale(domain, existing)))
        throw invalid(`Domain ${domain} has already been taken`);
      const takeover = await this.client.execute(
        'UPDATE domains SET project_id = ?, service_id = ?, claimed_at = ? WHERE domain = ? IF service_id = ? AND claimed_at = ?',
        [
          service.project_id,
          service.service_id,
          at,
          domain,
          existing.get('service_id'),
          existing.get('claimed_at'),
        ],
        this.lwt,
      );
      if (takeover.wasApplied()) return 'inserted';
    }
    throw unavailable(`Domain ${domain} is being claimed concurrently, try again`);
  }

  private async claimDomains(service: Service, at: Date): Promise<string[]> {
    const inserted: string[] = [];
    try {
      for (const { domain } of service.domains) {
        if ((await this.claimDomain(domain, service, at)) === 'inserted') inserted.push(domain);
      }
    } catch (e) {
      // Only a refusal is certain to leave nothing committed; after an outage the claims stay
      // and are taken over once stale.
      if (e instanceof Error && (e as { kind?: string }).kind === 'invalid')
        await this.releaseClaims(inserted, service.service_id, at);
      throw e;
    }
    return inserted;
  }

  /** Releases claims still holding `token` (or any of ours when token is undefined). */
  private async releaseClaims(domains: string[], serviceId: string, token?: Date): Promise<void> {
    await Promise.all(
      domains.map((domain) =>
        token
          ? this.client.execute(
              'DELETE FROM domains WHERE domain = ? IF service_id = ? AND claimed_at = ?',
              [domain, serviceId, token],
              this.lwt,
            )
          : this.client.execute(
              'DELETE FROM domains WHERE domain = ? IF service_id = ?',
              [domain, serviceId],
              this.lwt,
            ),
      ),
    );
  }

  // ------------------------------------------------------------------ outbox

  private jobQueries(job: OutboxJob): Array<{ query: string; params: unknown[] }> {
    const seq = TimeUuid.now();
    const bucket = bucketOf(seq.getDate().getTime());
    return [
      {
        query: `INSERT INTO outbox (bucket, seq, job_id, kind, project_id, service_id, generation, payload, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          bucket,
          seq,
          job.job_id,
          job.kind,
          job.project_id,
          job.service_id,
          job.generation,
          JSON.stringify(job.payload),
          job.created_at,
        ],
      },
      {
        query: 'INSERT INTO outbox_jobs (job_id, bucket, seq) VALUES (?, ?, ?)',
        params: [job.job_id, bucket, seq],
      },
    ];
  }

  private async deleteJob(bucket: unknown, seq: unknown, jobId: string): Promise<void> {
    await this.client.batch(
      [
        {
          query: 'DELETE FROM outbox WHERE bucket = ? AND seq = ? AND job_id = ?',
          params: [bucket, seq, jobId],
        },
        { query: 'DELETE FROM outbox_jobs WHERE job_id = ?', params: [jobId] },
      ],
      { ...this.write, logged: true },
    );
  }

  // ------------------------------------------------------------------ services

  private async withProjectLock<T>(projectId: string, fn: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const r = await this.client.execute(
        `INSERT INTO project_locks (project_id, owner) VALUES (?, ?) IF NOT EXISTS USING TTL ${LOCK_TTL_S}`,
        [projectId, owner],
        this.lwt,
      );
      if (r.wasApplied()) break;
      if (Date.now() > deadline)
        throw unavailable(`Too many concurrent creates in project ${projectId}, try again`);
      await sleep(5 + Math.random() * 30);
    }
    try {
      return await fn();
    } finally {
      await this.client
        .execute(
          'DELETE FROM project_locks WHERE project_id = ? IF owner = ?',
          [projectId, owner],
          this.lwt,
        )
        .catch(() => undefined); // the TTL frees it
    }
  }

  async createService(service: Service, job: OutboxJob, limit: number): Promise<void> {
    await this.run(() =>
      this.withProjectLock(service.project_id, async () => {
        const statuses = await this.allRows('SELECT status FROM services WHERE project_id = ?', [
          service.project_id,
        ]);
        const deleting = statuses.filter((r) => r.get('status') === 'delete_in_progress').length;
        // Decision 4: only the caller's own services being deleted are discounted.
        if (statuses.length - deleting >= limit)
          throw limitExceeded(`Maximum Services Limit of ${limit} reached!`);
        const now = new Date();
        await this.claimDomains(service, now);
        await this.client.batch(
          [
            {
              query: `INSERT INTO services (project_id, service_id, flavor_id, spec, operator_status, provider_details, status,
                                            provider_urls, generation, created_at, updated_at)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              params: [
                service.project_id,
                service.service_id,
                service.flavor_id,
                JSON.stringify(specOf(service)),
                service.operator_status,
                JSON.stringify(service.provider_details),
                aggregateServiceStatus(service.provider_details),
                providerUrls(service.provider_details),
                service.generation,
                now,
                now,
              ],
            },
            ...this.jobQueries(job),
          ],
          { ...this.write, logged: true },
        );
      }),
    );
  }

  async getService(projectId: string, serviceId: string): Promise<Service | undefined> {
    return this.run(async () => {
      const row = await this.serviceRow(projectId, serviceId);
      return row && serviceFromRow(row);
    });
  }

  async listServices(
    projectId: string,
    marker: string | undefined,
    limit: number,
  ): Promise<Service[]> {
    return this.run(async () => {
      const r = await this.client.execute(
        'SELECT * FROM services WHERE project_id = ? AND service_id > ? LIMIT ?',
        [projectId, marker ?? '', limit],
        this.read,
      );
      return r.rows.map(serviceFromRow);
    });
  }

  async replaceService(
    service: Service,
    expectedGeneration: number,
    job?: OutboxJob,
  ): Promise<boolean> {
    return this.run(async () => {
      const currentRow = await this.serviceRow(service.project_id, service.service_id);
      if (!currentRow || currentRow.get('generation') !== expectedGeneration) return false;
      const current = serviceFromRow(currentRow);
      const at = new Date();
      const inserted = await this.claimDomains(service, at);
      // Tokens of the claims to release after the commit, read before it: a later writer that
      // needs one of them re-stamps it, and our conditional release then leaves it alone.
      const keep = new Set(service.domains.map((d) => d.domain));
      const dropped: Array<[string, Date]> = [];
      for (const { domain } of current.domains) {
        if (keep.has(domain)) continue;
        const claim = (
          await this.client.execute(
            'SELECT service_id, claimed_at FROM domains WHERE domain = ?',
            [domain],
            this.read,
          )
        ).first();
        if (claim?.get('service_id') === service.service_id)
          dropped.push([domain, claim.get('claimed_at') as Date]);
      }
      const jobRows = job ? this.jobQueries(job) : [];
      if (jobRows.length) await this.client.batch(jobRows, { ...this.write, logged: true });
      const r = await this.client.execute(
        `UPDATE services SET flavor_id = ?, spec = ?, operator_status = ?, provider_details = ?, status = ?, provider_urls = ?,
                             generation = ?, updated_at = ?
         WHERE project_id = ? AND service_id = ? IF generation = ?`,
        [
          service.flavor_id,
          JSON.stringify(specOf(service)),
          service.operator_status,
          JSON.stringify(service.provider_details),
          aggregateServiceStatus(service.provider_details),
          providerUrls(service.provider_details),
          service.generation,
          at,
          service.project_id,
          service.service_id,
          expectedGeneration,
        ],
        this.lwt,
      );
      if (!r.wasApplied()) {
        await this.releaseClaims(inserted, service.service_id, at);
        if (job) await this.deleteJob(jobRows[1].params[1], jobRows[1].params[2], job.job_id);
        return false;
      }
      await Promise.all(
        dropped.map(([domain, token]) =>
          this.client.execute(
            'DELETE FROM domains WHERE domain = ? IF service_id = ? AND claimed_at = ?',
            [domain, service.service_id, token],
            this.lwt,
          ),
        ),
      );
      return true;
    });
  }

  async updateProviderDetails(
    projectId: string,
    serviceId: string,
    generation: number,
    details: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    return this.run(async () => {
      const r = await this.client.execute(
        `UPDATE services SET provider_details = ?, status = ?, provider_urls = ?, updated_at = ?
         WHERE project_id = ? AND service_id = ? IF generation = ?`,
        [
          JSON.stringify(details),
          aggregateServiceStatus(details),
          providerUrls(details),
          new Date(),
          projectId,
          serviceId,
          generation,
        ],
        this.lwt,
      );
      return r.wasApplied();
    });
  }

  async deleteService(projectId: string, serviceId: string, generation: number): Promise<boolean> {
    return this.run(async () => {
      const row = await this.serviceRow(projectId, serviceId);
      if (!row || row.get('generation') !== generation) return false;
      const r = await this.client.execute(
        'DELETE FROM services WHERE project_id = ? AND service_id = ? IF generation = ?',
        [projectId, serviceId, generation],
        this.lwt,
      );
      if (!r.wasApplied()) return false;
      const service = serviceFromRow(row);
      await this.client.execute(
        'INSERT INTO archives (project_id, service_id, archived_at, service) VALUES (?, ?, ?, ?)',
        [projectId, serviceId, new Date(), JSON.stringify(service)],
        this.write,
      );
      await this.releaseClaims(
        service.domains.map((d) => d.domain),
        serviceId,
      );
      return true;
    });
  }

  async findDomainOwner(domain: string): Promise<ServiceRef | undefined> {
    return this.run(async () => {
      const row = (
        await this.client.execute(
          'SELECT project_id, service_id FROM domains WHERE domain = ?',
          [domain.toLowerCase()],
          this.read,
        )
      ).first();
      return row
        ? {
            project_id: row.get('project_id') as string,
            service_id: row.get('service_id') as string,
          }
        : undefined;
    });
  }

  async listDomainsByProviderUrl(providerUrl: string): Promise<string[]> {
    return this.run(async () => {
      const rows = await this.allRows(
        'SELECT provider_details FROM services WHERE provider_urls CONTAINS ?',
        [providerUrl],
      );
      const domains = new Set<string>();
      for (const row of rows) {
        const details = JSON.parse(row.get('provider_details') as string) as Record<
          string,
          ProviderDetail
        >;
        for (const [url, domain] of providerUrlPairs(details))
          if (url === providerUrl) domains.add(domain);
      }
      return [...domains].sort();
    });
  }

  async listServicesByStatus(status: ServiceStatus): Promise<ServiceRef[]> {
    return this.run(async () => {
      const rows = await this.allRows(
        'SELECT project_id, service_id FROM services WHERE status = ?',
        [status],
      );
      return rows
        .map((r) => ({
          project_id: r.get('project_id') as string,
          service_id: r.get('service_id') as string,
        }))
        .sort((a, b) =>
          a.project_id === b.project_id
            ? cmp(a.service_id, b.service_id)
            : cmp(a.project_id, b.project_id),
        );
    });
  }

  // ------------------------------------------------------------------ flavors, limits

  async createFlavor(flavor: Flavor): Promise<void> {
    await this.run(async () => {
      const r = await this.client.execute(
        'INSERT INTO flavors (realm, flavor_id, providers) VALUES (?, ?, ?) IF NOT EXISTS',
        [FLAVOR_REALM, flavor.id, JSON.stringify(flavor.providers)],
        this.lwt,
      );
      if (!r.wasApplied()) throw invalid(`A flavor with the id '${flavor.id}' already exists`);
    });
  }

  async getFlavor(flavorId: string): Promise<Flavor | undefined> {
    return this.run(async () => {
      const row = (
        await this.client.execute(
          'SELECT flavor_id, providers FROM flavors WHERE realm = ? AND flavor_id = ?',
          [FLAVOR_REALM, flavorId],
          this.read,
        )
      ).first();
      return row ? flavorFromRow(row) : undefined;
    });
  }

  async listFlavors(): Promise<Flavor[]> {
    return this.run(async () =>
      (
        await this.allRows('SELECT flavor_id, providers FROM flavors WHERE realm = ?', [
          FLAVOR_REALM,
        ])
      ).map(flavorFromRow),
    );
  }

  async deleteFlavor(flavorId: string): Promise<void> {
    await this.run(async () => {
      const users = await this.allRows('SELECT service_id FROM services WHERE flavor_id = ?', [
        flavorId,
      ]);
      if (users.length > 0)
        throw conflict(
          `Flavor '${flavorId}' is used by ${users.length} service(s) and cannot be deleted`,
        );
      await this.client.execute(
        'DELETE FROM flavors WHERE realm = ? AND flavor_id = ?',
        [FLAVOR_REALM, flavorId],
        this.write,
      );
    });
  }

  async getProjectLimit(projectId: string): Promise<number | undefined> {
    return this.run(async () => {
      const row = (
        await this.client.execute(
          'SELECT service_limit FROM project_limits WHERE project_id = ?',
          [projectId],
          this.read,
        )
      ).first();
      return row ? (row.get('service_limit') as number) : undefined;
    });
  }

  async setProjectLimit(projectId: string, limit: number): Promise<void> {
    await this.run(() =>
      this.client.execute(
        'INSERT INTO project_limits (project_id, service_limit) VALUES (?, ?)',
        [projectId, limit],
        this.write,
      ),
    );
  }

  // ------------------------------------------------------------------ relay side of the outbox

  async listPendingJobs(limit: number): Promise<OutboxJob[]> {
    return this.run(async () => {
      const cursorRow = (
        await this.client.execute(
          'SELECT bucket FROM outbox_cursor WHERE name = ?',
          ['outbox'],
          this.read,
        )
      ).first();
      const nowBucket = Math.floor(Date.now() / BUCKET_MS);
      const start = cursorRow ? Number(cursorRow.get('bucket')) : nowBucket - CURSOR_GRACE_BUCKETS;
      const jobs: OutboxJob[] = [];
      let advanceTo: number | undefined;
      let headEmpty = true;
      for (let b = start; b <= nowBucket + 1 && jobs.length < limit; b++) {
        const rows = await this.allRows('SELECT * FROM outbox WHERE bucket = ?', [
          cassandra.types.Long.fromNumber(b),
        ]);
        if (rows.length === 0 && headEmpty && b < nowBucket - CURSOR_GRACE_BUCKETS)
          advanceTo = b + 1;
        if (rows.length > 0) headEmpty = false;
        for (const row of rows) {
          if (jobs.length >= limit) break;
          const job = jobFromRow(row);
          if (await this.jobIsLive(job, row)) jobs.push(job);
        }
      }
      if (advanceTo !== undefined) {
        await this.client.execute(
          'UPDATE outbox_cursor SET bucket = ? WHERE name = ?',
          [cassandra.types.Long.fromNumber(advanceTo), 'outbox'],
          this.write,
        );
      }
      return jobs;
    });
  }

  /** A job is handed out once its service reached the job's generation; orphans are dropped. */
  private async jobIsLive(job: OutboxJob, row: Row): Promise<boolean> {
    const service = await this.client.execute(
      'SELECT generation FROM services WHERE project_id = ? AND service_id = ?',
      [job.project_id, job.service_id],
      this.read,
    );
    const generation = service.first()?.get('generation') as number | undefined;
    if (generation !== undefined && generation >= job.generation) return true;
    const age = Date.now() - (row.get('seq') as cassandra.types.TimeUuid).getDate().getTime();
    if (age > ORPHAN_JOB_MS) await this.deleteJob(row.get('bucket'), row.get('seq'), job.job_id);
    return false;
  }

  async markJobsRelayed(jobIds: string[]): Promise<void> {
    await this.run(async () => {
      await Promise.all(
        jobIds.map(async (jobId) => {
          const ref = (
            await this.client.execute(
              'SELECT bucket, seq FROM outbox_jobs WHERE job_id = ?',
              [jobId],
              this.read,
            )
          ).first();
          if (!ref) return;
          await this.client.batch(
            [
              {
                query: 'DELETE FROM outbox WHERE bucket = ? AND seq = ? AND job_id = ?',
                params: [ref.get('bucket'), ref.get('seq'), jobId],
              },
              {
                query: 'UPDATE outbox_jobs SET relayed_at = ? WHERE job_id = ?',
                params: [new Date(), jobId],
              },
            ],
            { ...this.write, logged: true },
          );
        }),
      );
    });
  }

  async ping(): Promise<boolean> {
    try {
      await this.client.execute('SELECT release_version FROM system.local', [], this.read);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function flavorFromRow(row: Row): Flavor {
  return {
    id: row.get('flavor_id') as string,
    providers: JSON.parse(row.get('providers') as string) as Flavor['providers'],
  };
}

function jobFromRow(row: Row): OutboxJob {
  return {
    job_id: row.get('job_id') as string,
    kind: row.get('kind') as OutboxJob['kind'],
    project_id: row.get('project_id') as string,
    service_id: row.get('service_id') as string,
    generation: row.get('generation') as number,
    payload: JSON.parse(row.get('payload') as string) as Record<string, unknown>,
    created_at: row.get('created_at') as string,
  };
}

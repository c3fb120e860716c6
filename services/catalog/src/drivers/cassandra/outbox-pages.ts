/**
 * The outbox on Cassandra (docs/adr/0003-cassandra-catalog-store.md): jobs live in minute
 * buckets (`outbox`, clustered by a time-UUID `seq`), with `outbox_jobs` pointing from a job id
 * to its row. The relay pages from a cursor bucket (`outbox_cursor`) up to the current one,
 * moving the cursor past buckets that have been empty for CURSOR_GRACE_BUCKETS.
 *
 * A create's job is written in one logged batch with its service row. A replace is a Paxos
 * update, which cannot share a batch, so its job is written FIRST and removed if the update does
 * not apply; if the catalog dies in between, the orphan job (its generation never reached by
 * the service) is dropped by listPending after ORPHAN_JOB_MS — the relay never hands out a job
 * for a write that did not land.
 */
import cassandra from 'cassandra-driver';
import type { OutboxJob } from '../../store/catalog-store';
import { jobFromRecord, jobPayloadColumn } from '../../store/row-format';
import type { CassandraSession, Row } from './cassandra-session';
import type { CassandraServiceTable } from './service-table';

const { Long, TimeUuid } = cassandra.types;

const BUCKET_MS = 60_000;
/** Buckets this far behind "now" may still receive a job (clock skew, slow writers). */
const CURSOR_GRACE_BUCKETS = 5;
const ORPHAN_JOB_MS = 60_000;
const CURSOR = 'outbox';

const bucketOf = (ms: number): cassandra.types.Long => Long.fromNumber(Math.floor(ms / BUCKET_MS));

function jobFromRow(row: Row): OutboxJob {
  return jobFromRecord({
    job_id: row.get('job_id') as string,
    kind: row.get('kind') as string,
    project_id: row.get('project_id') as string,
    service_id: row.get('service_id') as string,
    generation: row.get('generation') as number,
    payload: row.get('payload') as string,
    created_at: row.get('created_at') as string,
  });
}

/** A job placed in its bucket: the writes that record it, and where it is to remove it again. */
export interface OutboxEntry {
  jobId: string;
  bucket: unknown;
  seq: unknown;
  writes: Array<{ query: string; params: unknown[] }>;
}

export class CassandraOutbox {
  constructor(
    private readonly session: CassandraSession,
    private readonly services: CassandraServiceTable,
  ) {}

  /** Sets the relay's cursor, unless one exists, to the oldest bucket a new job can land in. */
  async seedCursor(): Promise<void> {
    await this.session.conditional(
      'INSERT INTO outbox_cursor (name, bucket) VALUES (?, ?) IF NOT EXISTS',
      [CURSOR, bucketOf(Date.now() - CURSOR_GRACE_BUCKETS * BUCKET_MS)],
    );
  }

  /** Places the job in the current bucket; write `entry.writes` in a logged batch. */
  entry(job: OutboxJob): OutboxEntry {
    const seq = TimeUuid.now();
    const bucket = bucketOf(seq.getDate().getTime());
    return {
      jobId: job.job_id,
      bucket,
      seq,
      writes: [
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
            jobPayloadColumn(job),
            job.created_at,
          ],
        },
        {
          query: 'INSERT INTO outbox_jobs (job_id, bucket, seq) VALUES (?, ?, ?)',
          params: [job.job_id, bucket, seq],
        },
      ],
    };
  }

  /** Removes a job that must not be handed out (its write did not land). */
  async remove(entry: Pick<OutboxEntry, 'jobId' | 'bucket' | 'seq'>): Promise<void> {
    await this.session.loggedBatch([
      {
        query: 'DELETE FROM outbox WHERE bucket = ? AND seq = ? AND job_id = ?',
        params: [entry.bucket, entry.seq, entry.jobId],
      },
      { query: 'DELETE FROM outbox_jobs WHERE job_id = ?', params: [entry.jobId] },
    ]);
  }

  /** Up to `limit` live jobs, oldest bucket first; moves the cursor past old empty buckets. */
  async listPending(limit: number): Promise<OutboxJob[]> {
    const cursorRow = await this.session.readOne(
      'SELECT bucket FROM outbox_cursor WHERE name = ?',
      [CURSOR],
    );
    const nowBucket = Math.floor(Date.now() / BUCKET_MS);
    const start = cursorRow ? Number(cursorRow.get('bucket')) : nowBucket - CURSOR_GRACE_BUCKETS;
    const jobs: OutboxJob[] = [];
    let advanceTo: number | undefined;
    let headEmpty = true;
    for (let b = start; b <= nowBucket + 1 && jobs.length < limit; b++) {
      const rows = await this.session.readAll('SELECT * FROM outbox WHERE bucket = ?', [
        Long.fromNumber(b),
      ]);
      if (rows.length === 0 && headEmpty && b < nowBucket - CURSOR_GRACE_BUCKETS) advanceTo = b + 1;
      if (rows.length > 0) headEmpty = false;
      for (const row of rows) {
        if (jobs.length >= limit) break;
        const job = jobFromRow(row);
        if (await this.isLive(job, row)) jobs.push(job);
      }
    }
    if (advanceTo !== undefined) {
      await this.session.client.execute(
        'UPDATE outbox_cursor SET bucket = ? WHERE name = ?',
        [Long.fromNumber(advanceTo), CURSOR],
        this.session.write,
      );
    }
    return jobs;
  }

  async markRelayed(jobIds: string[]): Promise<void> {
    await Promise.all(
      jobIds.map(async (jobId) => {
        const ref = await this.session.readOne(
          'SELECT bucket, seq FROM outbox_jobs WHERE job_id = ?',
          [jobId],
        );
        if (!ref) return;
        await this.session.loggedBatch([
          {
            query: 'DELETE FROM outbox WHERE bucket = ? AND seq = ? AND job_id = ?',
            params: [ref.get('bucket'), ref.get('seq'), jobId],
          },
          {
            query: 'UPDATE outbox_jobs SET relayed_at = ? WHERE job_id = ?',
            params: [new Date(), jobId],
          },
        ]);
      }),
    );
  }

  /** A job is handed out once its service reached the job's generation; orphans are dropped. */
  private async isLive(job: OutboxJob, row: Row): Promise<boolean> {
    const generation = await this.services.generationOf(job.project_id, job.service_id);
    if (generation !== undefined && generation >= job.generation) return true;
    const age = Date.now() - (row.get('seq') as cassandra.types.TimeUuid).getDate().getTime();
    if (age > ORPHAN_JOB_MS)
      await this.remove({ jobId: job.job_id, bucket: row.get('bucket'), seq: row.get('seq') });
    return false;
  }
}

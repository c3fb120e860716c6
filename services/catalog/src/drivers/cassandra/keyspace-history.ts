/**
 * Telling a first start from lost data when the catalog's keyspace is missing
 * (docs/reliability.md, "Queue, store and write-back guarantees"). An empty keyspace created
 * over lost data answers 404 for every acknowledged service while its vendor objects live on,
 * so the catalog never re-creates a keyspace it has used before:
 *
 * - with POPPY_CASSANDRA_CREATE_KEYSPACE=false (production) a missing keyspace is created only
 *   by the explicit `migrate` command, a deliberate first-start step; a start finding none stops;
 * - with the embedded-friendly default (true) the catalog creates it at a first start, and
 *   records in its data directory (`cassandra-keyspaces.json`) each cluster and keyspace it
 *   used: a keyspace recorded there and missing now is lost data, and the start stops.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Raised at start when the keyspace is missing and must not be created; says what happened. */
export class KeyspaceMissingError extends Error {
  override readonly name = 'KeyspaceMissingError';
}

interface Entry {
  first_used_at: string;
}

export class KeyspaceHistory {
  constructor(readonly file: string) {}

  /** When this catalog first used `keyspace` on `cluster`, if it ever did. */
  usedSince(cluster: string, keyspace: string): string | undefined {
    return this.read()[key(cluster, keyspace)]?.first_used_at;
  }

  recordUse(cluster: string, keyspace: string, at = new Date()): void {
    const entries = this.read();
    const k = key(cluster, keyspace);
    if (entries[k]) return;
    entries[k] = { first_used_at: at.toISOString() };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${JSON.stringify(entries, null, 2)}\n`);
    fs.renameSync(tmp, this.file);
  }

  /** `migrate` created the keyspace anew on purpose: the old record no longer applies. */
  forget(cluster: string, keyspace: string): void {
    const entries = this.read();
    if (!entries[key(cluster, keyspace)]) return;
    delete entries[key(cluster, keyspace)];
    fs.writeFileSync(this.file, `${JSON.stringify(entries, null, 2)}\n`);
  }

  private read(): Record<string, Entry> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, Entry>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read the keyspace record ${this.file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
}

const key = (cluster: string, keyspace: string) => `${cluster}/${keyspace}`;

/** How a start may treat a missing keyspace. */
export interface KeyspacePolicy {
  /** POPPY_CASSANDRA_CREATE_KEYSPACE, or true for the `migrate` command. */
  create: boolean;
  /** True for `migrate`: an operator's deliberate (re-)creation, allowed over a record. */
  explicit: boolean;
  history?: KeyspaceHistory;
}

/**
 * Decides at start, given that `keyspace` is missing on `cluster`: returns when it may be
 * created, throws KeyspaceMissingError (with what happened and what to do) when not.
 */
export function checkMissingKeyspace(
  cluster: string,
  keyspace: string,
  policy: KeyspacePolicy,
): void {
  const since = policy.history?.usedSince(cluster, keyspace);
  if (policy.explicit) return;
  if (since) {
    throw new KeyspaceMissingError(
      `Cassandra keyspace '${keyspace}' does not exist on cluster '${cluster}', but this catalog ` +
        `has used it since ${since} (recorded in ${policy.history!.file}): its data was lost ` +
        `(a dropped keyspace, or a node that lost its disk). Not starting over with an empty ` +
        `keyspace, which would answer 404 for every service while their vendor objects live on. ` +
        `Restore the keyspace from a backup; to start over on purpose run the catalog's ` +
        `\`migrate\` command.`,
    );
  }
  if (!policy.create) {
    throw new KeyspaceMissingError(
      `Cassandra keyspace '${keyspace}' does not exist on cluster '${cluster}' and ` +
        `POPPY_CASSANDRA_CREATE_KEYSPACE is false. On a first start create it with the ` +
        `catalog's \`migrate\` command; if this catalog ran on this cluster before, its data ` +
        `was lost: restore the keyspace from a backup instead.`,
    );
  }
}

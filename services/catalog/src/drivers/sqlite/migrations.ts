/**
 * Versioned schema of the SQLite catalog. Append only: a migration, once released, is
 * never edited. Applied at start inside one IMMEDIATE transaction, so two processes
 * opening the same file at once apply each migration exactly once.
 */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'services, domains, flavors, limits, outbox',
    sql: `
      CREATE TABLE services (
        project_id       TEXT    NOT NULL,
        service_id       TEXT    NOT NULL,
        flavor_id        TEXT    NOT NULL,
        spec             TEXT    NOT NULL, -- JSON ServiceSpec
        operator_status  TEXT    NOT NULL,
        provider_details TEXT    NOT NULL, -- JSON map provider name -> ProviderDetail
        status           TEXT    NOT NULL, -- aggregated, kept as an index (docs/behaviour.md §11 service_status)
        generation       INTEGER NOT NULL,
        created_at       TEXT    NOT NULL,
        updated_at       TEXT    NOT NULL,
        PRIMARY KEY (project_id, service_id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX services_by_id ON services (service_id);
      CREATE INDEX services_by_status ON services (status);
      CREATE INDEX services_by_flavor ON services (flavor_id);

      -- The global domain index: one row per domain, so the primary key makes a claim atomic.
      CREATE TABLE domains (
        domain     TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        service_id TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX domains_by_service ON domains (service_id);

      CREATE TABLE provider_url_domains (
        provider_url TEXT NOT NULL,
        domain       TEXT NOT NULL,
        service_id   TEXT NOT NULL,
        PRIMARY KEY (provider_url, domain)
      ) WITHOUT ROWID;
      CREATE INDEX provider_url_domains_by_service ON provider_url_domains (service_id);

      CREATE TABLE flavors (
        flavor_id TEXT PRIMARY KEY,
        providers TEXT NOT NULL -- JSON list of {provider, provider_url}
      ) WITHOUT ROWID;

      CREATE TABLE project_limits (
        project_id    TEXT PRIMARY KEY,
        service_limit INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE archives (
        project_id  TEXT NOT NULL,
        service_id  TEXT NOT NULL,
        archived_at TEXT NOT NULL,
        service     TEXT NOT NULL, -- JSON Service as it was
        PRIMARY KEY (project_id, service_id, archived_at)
      ) WITHOUT ROWID;

      CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id     TEXT    NOT NULL UNIQUE,
        kind       TEXT    NOT NULL,
        project_id TEXT    NOT NULL,
        service_id TEXT    NOT NULL,
        generation INTEGER NOT NULL,
        payload    TEXT    NOT NULL,
        created_at TEXT    NOT NULL,
        relayed_at TEXT
      );
      CREATE INDEX outbox_pending ON outbox (seq) WHERE relayed_at IS NULL;
    `,
  },
  {
    version: 2,
    name: 'akamai queues and certificate configuration',
    sql: `
      -- docs/behaviour.md §10.11–10.14: one row per queue (JSON list, written whole, compare-and-set
      -- on version) and one row per configuration (settings, SAN / SNI certificate).
      CREATE TABLE akamai_queues (
        queue   TEXT PRIMARY KEY,
        items   TEXT    NOT NULL, -- JSON list of objects, oldest first
        version INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE akamai_config (
        kind  TEXT NOT NULL, -- settings, san, sni
        name  TEXT NOT NULL,
        value TEXT NOT NULL, -- JSON object
        PRIMARY KEY (kind, name)
      ) WITHOUT ROWID;
    `,
  },
];

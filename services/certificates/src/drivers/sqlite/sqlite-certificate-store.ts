/** The embedded store: one SQLite file (better-sqlite3), statements prepared once. */
import Database from 'better-sqlite3';
import type { CertificateStatus } from '@poppy/domain';
import type { CertificateRecord, CertificateStore } from '../../store/certificate-store';

interface Row {
  domain_name: string;
  cert_type: string;
  flavor_id: string;
  project_id: string;
  status: string;
  cert_details: string;
  certificate_pem: string;
  private_key_pem: string;
  not_after: number;
  error_message: string;
  updated_at: number;
  service_id: string;
  service_generation: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS certificates (
  domain_name TEXT PRIMARY KEY,
  cert_type TEXT NOT NULL,
  flavor_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  status TEXT NOT NULL,
  cert_details TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  private_key_pem TEXT NOT NULL,
  not_after INTEGER NOT NULL,
  error_message TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS certificates_by_status ON certificates (status);
CREATE INDEX IF NOT EXISTS certificates_by_expiry ON certificates (not_after);
`;

/** Columns added after the first schema: added to an existing file on open. */
const ADDED_COLUMNS: Record<string, string> = {
  service_id: "TEXT NOT NULL DEFAULT ''",
  service_generation: 'INTEGER NOT NULL DEFAULT 0',
};

function fromRow(row: Row): CertificateRecord {
  return {
    ...row,
    cert_type: row.cert_type as CertificateRecord['cert_type'],
    status: row.status as CertificateStatus,
    cert_details: JSON.parse(row.cert_details) as CertificateRecord['cert_details'],
  };
}

export class SqliteCertificateStore implements CertificateStore {
  readonly driverName = 'sqlite';
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const present = new Set(
      this.db
        .prepare<[], { name: string }>('PRAGMA table_info(certificates)')
        .all()
        .map((c) => c.name),
    );
    for (const [column, type] of Object.entries(ADDED_COLUMNS))
      if (!present.has(column))
        this.db.exec(`ALTER TABLE certificates ADD COLUMN ${column} ${type}`);
    this.stmts = {
      get: this.db.prepare<[string], Row>('SELECT * FROM certificates WHERE domain_name = ?'),
      put: this.db.prepare(
        `INSERT OR REPLACE INTO certificates (domain_name, cert_type, flavor_id, project_id, status, cert_details,
           certificate_pem, private_key_pem, not_after, error_message, updated_at, service_id, service_generation)
         VALUES (@domain_name, @cert_type, @flavor_id, @project_id, @status, @cert_details,
           @certificate_pem, @private_key_pem, @not_after, @error_message, @updated_at, @service_id, @service_generation)`,
      ),
      delete: this.db.prepare<[string]>('DELETE FROM certificates WHERE domain_name = ?'),
      byStatus: this.db.prepare<[string], { domain_name: string }>(
        'SELECT domain_name FROM certificates WHERE status = ? ORDER BY domain_name',
      ),
      expiring: this.db.prepare<[number], Row>(
        "SELECT * FROM certificates WHERE status = 'deployed' AND not_after > 0 AND not_after < ? ORDER BY not_after",
      ),
    };
  }

  async get(domainName: string): Promise<CertificateRecord | undefined> {
    const row = this.stmts.get.get(domainName);
    return row ? fromRow(row) : undefined;
  }

  async put(record: CertificateRecord): Promise<void> {
    this.stmts.put.run({
      service_id: '',
      service_generation: 0,
      ...record,
      cert_details: JSON.stringify(record.cert_details),
    });
  }

  async delete(domainName: string): Promise<boolean> {
    return this.stmts.delete.run(domainName).changes > 0;
  }

  async listByStatus(status: CertificateStatus): Promise<string[]> {
    return this.stmts.byStatus.all(status).map((r) => r.domain_name);
  }

  async listExpiringBefore(epochMs: number): Promise<CertificateRecord[]> {
    return this.stmts.expiring.all(epochMs).map(fromRow);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

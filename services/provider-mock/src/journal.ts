/**
 * What the mock provider saw, one JSON line per call (POPPY_MOCK_JOURNAL), so tests can
 * check e.g. that a purge arrived with its URL and hard flag, or that no service was
 * created twice. Written synchronously before the answer: a line exists for every call
 * the caller saw answered, even if the process is killed right after.
 */
import fs from 'node:fs';
import type { ProviderOperation } from '@poppy/provider-kit';

export interface JournalEntry {
  ts: string;
  provider: string;
  op: ProviderOperation;
  service_id: string;
  provider_service_id: string;
  hard?: boolean;
  purge_url?: string;
  outcome: 'ok' | 'error';
  /** Create answered with an object that existed already (an idempotent replay). */
  existing?: boolean;
  error?: string;
  /** createCertificate: the domain, and the installed leaf's SHA-256 fingerprint (never the key). */
  certificate_domain?: string;
  certificate_sha256?: string;
}

export interface Journal {
  append(entry: JournalEntry): void;
  close(): void;
}

export const NO_JOURNAL: Journal = { append: () => undefined, close: () => undefined };

export function openJournal(file: string): Journal {
  const fd = fs.openSync(file, 'a');
  let open = true;
  return {
    append(entry) {
      if (open) fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
    },
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}

/** Reads a journal file back (tests). */
export function readJournal(file: string): JournalEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JournalEntry);
}

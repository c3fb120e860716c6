import type { DnsDriver } from './dns-driver';

/**
 * The embedded default: records nothing. The service still names every operator CNAME
 * and returns it as a required record, so provider details say what the operator must
 * create by hand. Every zone looks empty (never full) and exists.
 */
export class ManualDnsDriver implements DnsDriver {
  readonly dnsName = 'Manual';
  readonly manual = true;

  async isAlive(): Promise<boolean> {
    return true;
  }
  async ensureZone(): Promise<void> {}
  async countRecords(): Promise<number> {
    return 0;
  }
  async findZone(name: string): Promise<string> {
    return name.split('.').slice(1).join('.');
  }
  async upsertCname(): Promise<void> {}
  async deleteCname(): Promise<void> {}
  async getCname(): Promise<undefined> {
    return undefined;
  }
  async setTxt(): Promise<void> {}
  async getTxt(): Promise<string[]> {
    return [];
  }
}

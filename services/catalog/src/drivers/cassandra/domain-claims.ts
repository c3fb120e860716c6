/**
 * Domain uniqueness on Cassandra (docs/adr/0003-cassandra-catalog-store.md): a domain is one
 * row of `domains`, claimed with `INSERT … IF NOT EXISTS` (Paxos). A claim is released or taken
 * over only by conditional statements that name its token (`claimed_at`), so a claim a
 * committed service relies on is never dropped by a concurrent writer. A claim left behind by
 * a crash (its service row never landed, or no longer lists the domain) is taken over once
 * older than STALE_CLAIM_MS.
 */
import { invalid, unavailable, type Service } from '@poppy/domain';
import type { ServiceRef } from '../../store/catalog-store';
import type { CassandraSession, Row } from './cassandra-session';
import type { CassandraServiceTable } from './service-table';

/** A claim younger than this is never taken over: its writer may still be committing. */
const STALE_CLAIM_MS = 30_000;
const CLAIM_ATTEMPTS = 5;

type ClaimOutcome = 'inserted' | 'kept';

/** A claim this service holds, with the token a conditional release must name. */
export interface HeldClaim {
  domain: string;
  token: Date;
}

export class CassandraDomainClaims {
  constructor(
    private readonly session: CassandraSession,
    private readonly services: CassandraServiceTable,
  ) {}

  /**
   * Claims every domain of the service with token `at`; returns the domains newly inserted
   * (not those it already held). Throws invalid when another service holds one, after
   * releasing what it inserted.
   */
  async claimAll(service: Service, at: Date): Promise<string[]> {
    const inserted: string[] = [];
    try {
      for (const { domain } of service.domains) {
        if ((await this.claim(domain, service, at)) === 'inserted') inserted.push(domain);
      }
    } catch (e) {
      // Only a refusal is certain to leave nothing committed; after an outage the claims stay
      // and are taken over once stale.
      if (e instanceof Error && (e as { kind?: string }).kind === 'invalid')
        await this.release(inserted, service.service_id, at);
      throw e;
    }
    return inserted;
  }

  /**
   * The claims the service holds on `domains`, with their tokens read now: released after a
   * commit only if still at that token, so a later writer that re-stamped one keeps it.
   */
  async held(serviceId: string, domains: string[]): Promise<HeldClaim[]> {
    const held: HeldClaim[] = [];
    for (const domain of domains) {
      const claim = await this.session.readOne(
        'SELECT service_id, claimed_at FROM domains WHERE domain = ?',
        [domain],
      );
      if (claim?.get('service_id') === serviceId)
        held.push({ domain, token: claim.get('claimed_at') as Date });
    }
    return held;
  }

  /** Releases claims still holding `token` (or any of the service's when token is undefined). */
  async release(domains: string[], serviceId: string, token?: Date): Promise<void> {
    await Promise.all(domains.map((domain) => this.releaseOne(domain, serviceId, token)));
  }

  /** Releases each held claim still at the token it was read with. */
  async releaseHeld(claims: HeldClaim[], serviceId: string): Promise<void> {
    await Promise.all(claims.map((c) => this.releaseOne(c.domain, serviceId, c.token)));
  }

  async owner(domain: string): Promise<ServiceRef | undefined> {
    const row = await this.session.readOne(
      'SELECT project_id, service_id FROM domains WHERE domain = ?',
      [domain.toLowerCase()],
    );
    return row
      ? {
          project_id: row.get('project_id') as string,
          service_id: row.get('service_id') as string,
        }
      : undefined;
  }

  /** Claims `domain` for the service with token `at`, or throws invalid when another service holds it. */
  private async claim(domain: string, service: Service, at: Date): Promise<ClaimOutcome> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const r = await this.session.conditional(
        'INSERT INTO domains (domain, project_id, service_id, claimed_at) VALUES (?, ?, ?, ?) IF NOT EXISTS',
        [domain, service.project_id, service.service_id, at],
      );
      if (r.wasApplied()) return 'inserted';
      const existing = r.first();
      if (existing.get('service_id') === service.service_id) {
        // Already ours (an earlier generation or a concurrent attempt): re-stamp it, so that an
        // attempt that inserted it and then loses its generation check cannot release it.
        const restamp = await this.session.conditional(
          'UPDATE domains SET claimed_at = ? WHERE domain = ? IF service_id = ?',
          [at, domain, service.service_id],
        );
        if (restamp.wasApplied()) return 'kept';
        continue; // released meanwhile: try to insert again
      }
      if (!(await this.isStale(domain, existing)))
        throw invalid(`Domain ${domain} has already been taken`);
      const takeover = await this.session.conditional(
        'UPDATE domains SET project_id = ?, service_id = ?, claimed_at = ? WHERE domain = ? IF service_id = ? AND claimed_at = ?',
        [
          service.project_id,
          service.service_id,
          at,
          domain,
          existing.get('service_id'),
          existing.get('claimed_at'),
        ],
      );
      if (takeover.wasApplied()) return 'inserted';
    }
    throw unavailable(`Domain ${domain} is being claimed concurrently, try again`);
  }

  private async releaseOne(domain: string, serviceId: string, token?: Date): Promise<void> {
    await (token
      ? this.session.conditional(
          'DELETE FROM domains WHERE domain = ? IF service_id = ? AND claimed_at = ?',
          [domain, serviceId, token],
        )
      : this.session.conditional('DELETE FROM domains WHERE domain = ? IF service_id = ?', [
          domain,
          serviceId,
        ]));
  }

  /** True when the claim's owner no longer needs it: its row is gone or lists other domains. */
  private async isStale(domain: string, claim: Row): Promise<boolean> {
    const claimedAt = claim.get('claimed_at') as Date | null;
    if (claimedAt && Date.now() - claimedAt.getTime() < STALE_CLAIM_MS) return false;
    const owner = await this.services.find(
      claim.get('project_id') as string,
      claim.get('service_id') as string,
    );
    if (!owner) return true;
    return !owner.domains.some((d) => d.domain === domain);
  }
}

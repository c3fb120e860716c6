/**
 * Flavors change rarely (create and delete only; a flavor in use cannot be deleted), and
 * every create job needs its service's flavor: a short-lived cache saves the catalog one
 * round trip per job. A flavor re-created with other providers within `ttlMs` is seen late
 * by at most that much.
 */
import { flavorFromWire } from '@poppy/contracts';
import type { Flavor } from '@poppy/domain';
import type { CatalogApi } from './flows';

export class FlavorCache {
  private readonly entries = new Map<string, { flavor: Promise<Flavor>; until: number }>();

  constructor(
    private readonly catalog: Pick<CatalogApi, 'getFlavor'>,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The flavor, from the catalog at most once per `ttlMs`; a failed look-up is not cached. */
  get(flavorId: string): Promise<Flavor> {
    const hit = this.entries.get(flavorId);
    if (hit && hit.until > this.now()) return hit.flavor;
    const flavor = this.catalog
      .getFlavor({ flavor_id: flavorId })
      .then((r) => flavorFromWire(r.flavor));
    this.entries.set(flavorId, { flavor, until: this.now() + this.ttlMs });
    flavor.catch(() => this.entries.delete(flavorId));
    return flavor;
  }
}

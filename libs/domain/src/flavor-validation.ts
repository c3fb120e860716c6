/**
 * Validation and normalisation of a flavor create body (docs/behaviour.md §8.1).
 */
import { htmlEscape, invalid } from './errors';
import type { Flavor, FlavorProvider } from './model';
import { pythonRepr } from './python-repr';
import { assertMatchesSchema } from './schema-errors';
import { flavorCreateSchema } from './schemas';

interface FlavorDocument {
  id: string;
  providers: Array<{ provider: string; links: Array<{ href: string; rel: string }> }>;
}

/**
 * Returns the flavor to store, or throws invalid(...): a schema error object for a
 * malformed body, a string for a provider this deployment does not run. Providers are
 * keyed by id as in the original's map: a repeated id keeps its last entry, and they
 * read back sorted by id. `limits` is ignored.
 */
export function prepareFlavor(raw: unknown, allowedProviders: readonly string[]): Flavor {
  assertMatchesSchema(flavorCreateSchema, raw);
  const doc = raw as FlavorDocument;
  const byId = new Map<string, FlavorProvider>();
  for (const p of doc.providers) {
    if (!allowedProviders.includes(p.provider)) {
      // Two spaces after the full stop, as in the original.
      throw invalid(
        htmlEscape(
          `${p.provider} is not a valid Provider.  Please choose from ${pythonRepr([...allowedProviders])}`,
        ),
      );
    }
    const link = p.links.find((l) => l.rel === 'provider_url') as { href: string };
    byId.set(p.provider, { provider: p.provider, provider_url: link.href });
  }
  const providers = [...byId.values()].sort((a, b) =>
    a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0,
  );
  return { id: doc.id, providers };
}

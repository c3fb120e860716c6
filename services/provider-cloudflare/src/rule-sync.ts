/**
 * The writes that bring one service's rules in a shared phase to what it should be (pure).
 * A phase entry point holds every tenant's rules and a PUT replaces them all, so two
 * services written at once would lose each other's rules; this adapter writes a service's
 * rules one by one instead (rule-level POST/PATCH/DELETE, vendor doc §4.1), found by their
 * `ref` prefix (service-plan.ts), and never touches another service's rules.
 *
 * - the same refs in the same order → PATCH only the rules whose content changed (an
 *   unchanged spec writes nothing);
 * - otherwise → DELETE the service's rules and POST the wanted ones in order: order matters
 *   (a later matching rule overrides an earlier one), and a POST appends.
 */
import type { Rule, RuleSpec } from './cloudflare-api';

export type RuleWrite =
  | { op: 'add'; rule: RuleSpec }
  | { op: 'edit'; id: string; rule: RuleSpec }
  | { op: 'delete'; id: string };

/** What Cloudflare compares as the rule's content (its id and version aside). */
export function ruleContent(rule: RuleSpec): string {
  return JSON.stringify([
    rule.ref,
    rule.description,
    rule.expression,
    rule.action,
    canonical(rule.action_parameters ?? null),
    rule.enabled,
  ]);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export function planRuleWrites(existing: Rule[], desired: RuleSpec[], prefix: string): RuleWrite[] {
  const mine = existing.filter((r) => r.ref.startsWith(prefix));
  const sameOrder =
    mine.length === desired.length && mine.every((r, i) => r.ref === desired[i].ref);
  if (sameOrder) {
    return desired.flatMap((rule, i): RuleWrite[] =>
      ruleContent(mine[i]) === ruleContent(rule) ? [] : [{ op: 'edit', id: mine[i].id, rule }],
    );
  }
  return [
    ...mine.map((r): RuleWrite => ({ op: 'delete', id: r.id })),
    ...desired.map((rule): RuleWrite => ({ op: 'add', rule })),
  ];
}

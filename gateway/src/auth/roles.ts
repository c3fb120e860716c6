/**
 * Poppy's three roles and how a token's role names map to them (docs/auth.md). Each role
 * includes the ones below it: an admin may do what a member may, a member what a reader may.
 */
export type Role = 'reader' | 'member' | 'admin';

/** What a route asks of its caller: `public` needs no caller at all (ping). */
export type RouteAccess = 'public' | Role;

const RANK: Record<Role, number> = { reader: 1, member: 2, admin: 3 };

/** Role names as the identity provider spells them (Keystone roles, JWT claim values). */
export interface RoleNames {
  reader: string[];
  member: string[];
  admin: string[];
}

/** Who is calling: the project its token is scoped to and the highest role it holds. */
export interface Principal {
  projectId: string;
  /** undefined: the token carries none of the configured role names. */
  role: Role | undefined;
  /** For logs: the token's user or subject (never the token itself). */
  subject: string;
}

/** The highest of Poppy's roles that `names` grant, per the configured mapping. */
export function roleOf(names: readonly string[], mapping: RoleNames): Role | undefined {
  let best: Role | undefined;
  for (const role of ['reader', 'member', 'admin'] as const)
    if (names.some((n) => mapping[role].includes(n))) best = role;
  return best;
}

export function allows(held: Role | undefined, needed: RouteAccess): boolean {
  if (needed === 'public') return true;
  return held !== undefined && RANK[held] >= RANK[needed];
}

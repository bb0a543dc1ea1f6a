import type { Role } from '../api/session';

/** Where each role starts. */
export const HOME: Record<Role, string> = { admin: '/approvals', manager: '/campaigns', customer: '/offers' };

/** A `next` parameter as a path in this app (never another origin), or the role's home. */
export function safeNext(next: string | null, role: Role): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : HOME[role];
}

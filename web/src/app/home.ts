import type { Role } from '../api/session.ts';

/** Where each role starts. */
export const HOME: Record<Role, string> = { admin: '/approvals', manager: '/campaigns', customer: '/offers' };

// A fixed origin to resolve against: the answer does not depend on where the app runs, and a
// `next` that leaves it (`//host`, `/\host`, `/<tab>/host`, which URL parsing turns into
// `//host`) is refused.
const BASE = new URL('https://app.invalid/');

/** Control characters (tab, newline, CR included), invisible format characters, whitespace and backslashes. */
const UNCLEAN = /[\p{Cc}\p{Cf}\p{Z}\s\\]/u;

/** `s` percent-decoded, or null if it is not well-formed. */
function decoded(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * A `next` parameter as a path in this app (never another origin), or the role's home: only a path
 * that resolves to itself on this origin, and has no control character, whitespace or backslash,
 * raw or percent-encoded, nor starts with `//`.
 */
export function safeNext(next: string | null, role: Role): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || UNCLEAN.test(next)) return HOME[role];
  const plain = decoded(next);
  if (plain === null || plain.startsWith('//') || UNCLEAN.test(plain)) return HOME[role];
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return HOME[role];
  }
  return url.origin === BASE.origin && url.pathname + url.search + url.hash === next ? next : HOME[role];
}

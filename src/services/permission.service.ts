import type { PermissionRepository } from '../domain/repositories.ts';

export type PermissionService = ReturnType<typeof createPermissionService>;

/**
 * The role → permission matrix from the database, cached for `ttlMs`. The rows change only through
 * migrations, which may run in another process; the TTL is what brings every process up to date.
 */
export function createPermissionService({ permissions, ttlMs = 30_000 }: { permissions: PermissionRepository; ttlMs?: number }) {
  let cache: { at: number; matrix: Promise<Map<number, Set<string>>> } | undefined;

  function matrix() {
    if (!cache || Date.now() - cache.at > ttlMs) {
      const loading = permissions.matrix();
      cache = { at: Date.now(), matrix: loading };
      loading.catch(() => (cache = undefined));
    }
    return cache.matrix;
  }

  return {
    async can(roleId: number, permission: string): Promise<boolean> {
      return (await matrix()).get(roleId)?.has(permission) ?? false;
    },
  };
}

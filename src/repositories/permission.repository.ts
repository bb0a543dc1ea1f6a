import { eq } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import type { PermissionRepository } from '../domain/repositories.ts';
import { permissions, rolePermissions } from '../models/schema.ts';

/** Reads the role → permission matrix. */
export function createPermissionRepository({ db }: { db: Db }): PermissionRepository {
  return {
    async matrix(): Promise<Map<number, Set<string>>> {
      const rows = await db
        .select({ roleId: rolePermissions.roleId, name: permissions.name })
        .from(rolePermissions)
        .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId));
      const out = new Map<number, Set<string>>();
      for (const r of rows) {
        if (!out.has(r.roleId)) out.set(r.roleId, new Set());
        out.get(r.roleId)!.add(r.name);
      }
      return out;
    },
  };
}

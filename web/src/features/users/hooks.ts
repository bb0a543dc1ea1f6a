import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { Role, User } from '../../api/session';
import type { paths } from '../../api/schema.d.ts';

export type NewUser = NonNullable<paths['/v1/users']['post']['requestBody']>['content']['application/json'];
export type UserChange = NonNullable<paths['/v1/users/{id}']['patch']['requestBody']>['content']['application/json'];

export const ROLES: Role[] = ['admin', 'manager', 'customer'];
export const ROLE_ID: Record<Role, number> = { admin: 1, manager: 2, customer: 3 };
export const ROLE_LABEL: Record<Role, string> = { admin: 'Admin', manager: 'Manager', customer: 'Customer' };

/** "a manager", "an admin". */
export const aRole = (r: Role) => `${r === 'admin' ? 'an' : 'a'} ${ROLE_LABEL[r].toLowerCase()}`;

export const userKeys = {
  all: ['users'] as const,
  list: (f: UserFilters) => ['users', 'list', f] as const,
  one: (id: number) => ['users', 'one', id] as const,
};

export interface UserFilters {
  q?: string;
  role?: Role;
  page: number;
  perPage: number;
}

export function useUsers(f: UserFilters, { enabled = true } = {}) {
  return useQuery({
    queryKey: userKeys.list(f),
    queryFn: () =>
      unwrap(api.GET('/v1/users', { params: { query: { q: f.q || undefined, role_id: f.role ? ROLE_ID[f.role] : undefined, page: f.page, per_page: f.perPage } } })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** One user; null when the account no longer exists (a deleted actor in the audit log). */
export function useUser(id: number | null) {
  return useQuery({
    queryKey: userKeys.one(id ?? 0),
    queryFn: async (): Promise<User | null> => {
      try {
        return (await unwrap(api.GET('/v1/users/{id}', { params: { path: { id: id! } } }))).user;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    enabled: id !== null,
    staleTime: 60_000,
  });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: NewUser) => (await unwrap(api.POST('/v1/users', { body }))).user,
    onSuccess: () => qc.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, change }: { id: number; change: UserChange }) => (await unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id } }, body: change }))).user,
    onSuccess: () => qc.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useDeleteUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/v1/users/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: userKeys.all }),
  });
}

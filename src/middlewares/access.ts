import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import type { Principal } from '../domain/types.ts';
import type { AuthService } from '../services/auth.service.ts';
import type { PermissionService } from '../services/permission.service.ts';

export type Permission =
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'user.fetch'
  | 'user.list'
  | 'campaign.create'
  | 'campaign.update'
  | 'campaign.delete'
  | 'campaign.fetch'
  | 'campaign.list'
  | 'campaign.approve_reject'
  | 'campaign.control'
  | 'audit.list'
  | 'queue.dashboard'
  | 'suppression.list'
  | 'suppression.manage'
  | 'customer.list'
  | 'customer.fetch'
  | 'customer.manage'
  | 'attribute.list'
  | 'attribute.manage'
  | 'topic.list'
  | 'topic.manage'
  | 'segment.list'
  | 'segment.fetch'
  | 'segment.create'
  | 'segment.update'
  | 'segment.delete';

/** What a route requires: nothing, any signed-in user, or a named permission. */
export type Access = { public: true } | { authenticated: true } | { permission: Permission };
export const PUBLIC: Access = { public: true };
export const SIGNED_IN: Access = { authenticated: true };
export const can = (permission: Permission): Access => ({ permission });

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
}

/** The signed-in caller; only valid on routes that are not public. */
export function principal(req: FastifyRequest): Principal {
  if (!req.principal) throw new UnauthorizedError();
  return req.principal;
}

/** Reads the Bearer token and establishes request.principal. */
export function authenticate(auth: AuthService): onRequestHookHandler {
  return async (req) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthorizedError('Missing or malformed Bearer token');
    req.principal = await auth.authenticate(match[1]!);
  };
}

/** Refuses the request unless the caller's role holds the permission. */
export function authorize(permissions: PermissionService, permission: Permission): onRequestHookHandler {
  return async (req) => {
    if (!(await permissions.can(principal(req).roleId, permission))) throw new ForbiddenError();
  };
}

/**
 * Makes every route declare its access in `config.access` and attaches authenticate/authorize to it.
 * A route without a declaration fails at registration, so nothing is exposed by accident. Routes under
 * `selfGuarded` prefixes belong to plugins that guard themselves (the docs are static and public).
 */
export function enforceAccess(
  app: FastifyInstance,
  deps: { auth: AuthService; permissions: PermissionService },
  catalog: RouteEntry[],
  selfGuarded: readonly string[] = ['/docs'],
) {
  const authn = authenticate(deps.auth);
  app.addHook('onRoute', (route) => {
    if (selfGuarded.some((prefix) => route.url.startsWith(prefix))) return;
    const access = route.config?.access;
    if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access)`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') catalog.push({ method, url: route.url, access });
    if ('public' in access) return;
    const hooks = [authn];
    if ('permission' in access) hooks.push(authorize(deps.permissions, access.permission));
    route.onRequest = [...hooks, ...[route.onRequest ?? []].flat()];
  });
}

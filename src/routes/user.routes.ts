import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { userHandlers } from '../handlers/user.handler.ts';
import { can, SIGNED_IN } from '../middlewares/access.ts';
import type { AuthService } from '../services/auth.service.ts';
import type { UserService } from '../services/user.service.ts';
import { errors, IdParams, NoContent, PageOf } from '../types/common.schemas.ts';
import { ChangePasswordBody, CreateUserBody, UpdateMeBody, UpdateUserBody, UserEnvelope, UserListQuery } from '../types/user.schemas.ts';

const tags = ['users'];
const security = [{ bearer: [] }];

export function userRoutes(app: FastifyInstance, deps: { users: UserService; auth: AuthService }) {
  const h = userHandlers(deps);
  app.get('/v1/users/me', {
    config: { access: SIGNED_IN },
    schema: { tags, security, summary: 'The caller', response: { 200: UserEnvelope, ...errors(401) } },
    handler: h.me,
  });
  app.patch('/v1/users/me', {
    config: { access: SIGNED_IN },
    schema: { tags, security, summary: 'Update the caller', body: UpdateMeBody, response: { 200: UserEnvelope, ...errors(400, 401) } },
    handler: h.updateMe,
  });
  app.post('/v1/users/me/password', {
    config: { access: SIGNED_IN },
    schema: {
      tags,
      security,
      summary: "Change the caller's password; other sessions are revoked",
      body: ChangePasswordBody,
      response: { 204: NoContent, ...errors(400, 401, 429, 503) },
    },
    handler: h.changePassword,
  });
  app.post('/v1/users', {
    config: { access: can('user.create') },
    schema: { tags, security, summary: 'Create a user of any role', body: CreateUserBody, response: { 201: UserEnvelope, ...errors(400, 401, 403, 409, 503) } },
    handler: h.create,
  });
  app.get('/v1/users', {
    config: { access: can('user.list') },
    schema: { tags, security, summary: 'List users', querystring: UserListQuery, response: { 200: PageOf(Type.Ref('User')), ...errors(400, 401, 403) } },
    handler: h.list,
  });
  app.get('/v1/users/:id', {
    config: { access: can('user.fetch') },
    schema: { tags, security, summary: 'One user', params: IdParams, response: { 200: UserEnvelope, ...errors(400, 401, 403, 404) } },
    handler: h.get,
  });
  app.patch('/v1/users/:id', {
    config: { access: can('user.update') },
    schema: {
      tags,
      security,
      summary: "Update a user's names, role or status (role and status changes revoke their sessions)",
      params: IdParams,
      body: UpdateUserBody,
      response: { 200: UserEnvelope, ...errors(400, 401, 403, 404, 409) },
    },
    handler: h.update,
  });
  app.delete('/v1/users/:id', {
    config: { access: can('user.delete') },
    schema: { tags, security, summary: 'Delete a user and revoke their sessions', params: IdParams, response: { 204: NoContent, ...errors(401, 403, 404, 409) } },
    handler: h.delete,
  });
}

import { Type } from '@sinclair/typebox';
import { ROLE_IDS, USER_STATUSES, type RoleName } from '../domain/types.ts';
import { Email, Id, LiteralUnion, Name, PageQuery, Password, RoleId, SearchText, Timestamp } from './common.schemas.ts';

const UserStatusSchema = LiteralUnion(USER_STATUSES);

export const User = Type.Object(
  {
    id: Id,
    email: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    role_id: RoleId,
    role: LiteralUnion(Object.keys(ROLE_IDS) as RoleName[]),
    status: UserStatusSchema,
    email_opt_in: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'User', title: 'User' },
);
export const UserEnvelope = Type.Object({ user: Type.Ref('User') });

const strict = { additionalProperties: false } as const;

export const SignupBody = Type.Object(
  { email: Email, password: Password, first_name: Name, last_name: Name },
  strict,
);
export const LoginBody = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    password: Type.String({ maxLength: 128 }),
    cookie: Type.Optional(
      Type.Boolean({
        description: 'true: the refresh token goes in an HttpOnly cookie (for browsers) instead of the body; needs X-Requested-With',
      }),
    ),
  },
  strict,
);
export const RefreshBody = Type.Object(
  {
    refresh_token: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'absent: the session cookie is used (with X-Requested-With)' }),
    ),
  },
  strict,
);
export const TokenResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.Optional(Type.String({ description: 'absent when the refresh token is in the session cookie' })),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'access token lifetime, seconds' }),
  refresh_expires_in: Type.Integer({ description: 'refresh token lifetime, seconds' }),
  user: Type.Ref('User'),
});

export const UpdateMeBody = Type.Object(
  { first_name: Type.Optional(Name), last_name: Type.Optional(Name), email_opt_in: Type.Optional(Type.Boolean()) },
  strict,
);
export const ChangePasswordBody = Type.Object({ current_password: Type.String({ maxLength: 128 }), new_password: Password }, strict);

export const CreateUserBody = Type.Object(
  { email: Email, password: Password, first_name: Name, last_name: Name, role_id: RoleId },
  strict,
);
export const UpdateUserBody = Type.Object(
  {
    first_name: Type.Optional(Name),
    last_name: Type.Optional(Name),
    role_id: Type.Optional(RoleId),
    status: Type.Optional(UserStatusSchema),
  },
  strict,
);
export const UserListQuery = Type.Object(
  { role_id: Type.Optional(RoleId), q: Type.Optional(SearchText), ...PageQuery },
  strict,
);

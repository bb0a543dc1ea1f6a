import { Type } from '@sinclair/typebox';
import { Id, PageQuery, Text, Timestamp } from './common.schemas.ts';

export const AuditEvent = Type.Object({
  id: Type.Integer(),
  actor_id: Type.Union([Type.Integer(), Type.Null()]),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Type.Union([Type.Integer(), Type.Null()]),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  created_at: Timestamp,
});
export const AuditQuery = Type.Object(
  { action: Type.Optional(Text(1, 64)), target_type: Type.Optional(Text(1, 32)), target_id: Type.Optional(Id), ...PageQuery },
  { additionalProperties: false },
);

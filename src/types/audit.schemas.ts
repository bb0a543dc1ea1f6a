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
  {
    action: Type.Optional(Text(1, 64)),
    actor_id: Type.Optional(Id),
    target_type: Type.Optional(Text(1, 32, { description: 'with target_id, one thing\'s history: ?target_type=campaign&target_id=N' })),
    target_id: Type.Optional(Id),
    ...PageQuery,
  },
  { additionalProperties: false },
);

import { Type } from '@sinclair/typebox';

export const Health = Type.Object({ status: Type.Literal('ok') });
export const Readiness = Type.Object({
  status: Type.Literal('ready'),
  checks: Type.Object({ mysql: Type.Literal('ok'), redis: Type.Literal('ok') }),
});
export const OpenApiDocument = Type.Object({ openapi: Type.String() }, { additionalProperties: true, description: 'An OpenAPI 3 document' });

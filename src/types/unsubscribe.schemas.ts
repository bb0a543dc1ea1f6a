import { Type } from '@sinclair/typebox';

export const UnsubscribeQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

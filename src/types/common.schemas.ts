import { Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';
import type { PageWindow } from '../domain/paging.ts';

// Printable text: no control characters or lone surrogates, and not only whitespace.
const PRINTABLE = '^(?=[\\s\\S]*\\S)[^\\p{Cc}\\p{Cs}]*$';
const PRINTABLE_MULTILINE = '^[^\\p{Cs}\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*$';

export const Text = (min: number, max: number, extra: object = {}) =>
  Type.String({ minLength: min, maxLength: max, pattern: PRINTABLE, ...extra });
export const LongText = (max: number, extra: object = {}) =>
  Type.String({ maxLength: max, pattern: PRINTABLE_MULTILINE, ...extra });

export const Email = Type.String({ format: 'email', maxLength: 254, examples: ['ada@example.com'] });
export const Password = Type.String({ minLength: 8, maxLength: 128 });
export const Name = Text(1, 100);
export const Id = Type.Integer({ minimum: 1, maximum: 4294967295 });
export const Timestamp = Type.String({ format: 'date-time' });
export const RoleId = Type.Integer({ minimum: 1, maximum: 3, description: '1 admin, 2 manager, 3 customer' });

/** A search term: matched as a case-insensitive substring, literally (`%`, `_` and `\` are no wildcards). */
export const SearchText = Text(1, 100, { description: 'case-insensitive substring, matched literally (% _ \\ are no wildcards)' });

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

export const PageQuery = {
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  per_page: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
};

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'Error', title: 'Error' },
);

/** A union of string literals, from one of the domain's `as const` lists. */
export const LiteralUnion = <T extends string>(values: readonly T[], options?: SchemaOptions) =>
  Type.Union(values.map((v) => Type.Literal(v)), options);

/** A paged list response. */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), page: Type.Integer(), per_page: Type.Integer(), total: Type.Integer() });

/** The body of a paged list response (PageOf): one page of `data`, the window asked for and the total. */
export const pageBody = <T>(q: { page: number; per_page: number }, data: T[], total: number) => ({ data, page: q.page, per_page: q.per_page, total });

/** The page window of a list query string, as repositories take it. */
export const pageWindow = (q: { page: number; per_page: number }): PageWindow => ({ page: q.page, perPage: q.per_page });

/** Standard error responses for a route, keyed by status. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error')])) as Record<number, ReturnType<typeof Type.Ref>>;

export const NoContent = Type.Null({ description: 'No content' });

/** A response that is text of a media type (an HTML page, Prometheus metrics) rather than JSON. */
export const TextResponse = (mediaType: string, description: string) => ({ description, content: { [mediaType]: { schema: Type.String() } } });

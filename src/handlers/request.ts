import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';

type Part<S, K extends string> = S extends { [P in K]: infer T extends TSchema } ? Static<T> : unknown;

/** A request typed by the TypeBox schemas of its route: `Req<{ body: typeof X; params: typeof IdParams }>`. */
export type Req<S extends { body?: TSchema; params?: TSchema; querystring?: TSchema } = object> = FastifyRequest<{
  Body: Part<S, 'body'>;
  Params: Part<S, 'params'>;
  Querystring: Part<S, 'querystring'>;
}>;

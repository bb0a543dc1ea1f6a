import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDependencyError } from '../conn/errors.ts';
import { AppError, DependencyError, type FieldProblem } from '../domain/errors.ts';
import { isTransientLock } from '../repositories/errors.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Most problems one validation error lists, so an answer stays small whatever the input. */
export const MAX_DETAILS = 20;
/** Longest field name echoed back: a client's own (unknown) key may be any length. */
const MAX_FIELD_LENGTH = 100;

function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = /[\uD800-\uDBFF]/.test(s[max - 1]!) ? max - 1 : max; // never split a surrogate pair
  return `${s.slice(0, cut)}…`;
}

function fieldOf(e: AjvError, part: string | undefined): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = (e.params.additionalProperty ?? e.params.missingProperty) as string | undefined;
  const field = [path, extra].filter(Boolean).join('.');
  return clip(field || part || 'body', MAX_FIELD_LENGTH);
}

function describe(e: AjvError): string {
  if (e.keyword === 'additionalProperties') return 'is not an allowed field';
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'pattern') return 'contains characters that are not allowed';
  return e.message ?? 'is invalid';
}

const FASTIFY_CODES: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'MALFORMED_REQUEST', 'Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_JSON', 'Request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MALFORMED_JSON', 'Request body is empty'],
  FST_ERR_BAD_URL: [400, 'MALFORMED_URL', 'The URL is not valid (bad percent-encoding)'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'URI_TOO_LONG', 'A path segment is too long'],
};

/** One mapper from any error to the contract's error shape; 5xx text never reaches the client. */
export function sendError(err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) {
  const send = (status: number, code: string, message: string, details?: FieldProblem[]) =>
    reply.status(status).send({ error: details?.length ? { code, message, details } : { code, message } });

  if (err instanceof AppError) {
    if (err.headers) reply.headers(err.headers);
    return send(err.status, err.code, err.message, err.details);
  }
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe.validation) {
    const details = fe.validation.slice(0, MAX_DETAILS).map((v) => ({ field: fieldOf(v, fe.validationContext), message: describe(v) }));
    const first = details[0];
    return send(400, 'VALIDATION_FAILED', first ? `${first.field} ${first.message}` : 'Invalid input', details);
  }
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return send(...known);
  if (fe.code === 'FST_ERR_VALIDATION' || (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)) {
    return send(fe.statusCode ?? 400, 'BAD_REQUEST', fe.message);
  }
  if (isTransientLock(err)) {
    req.log.warn({ err }, 'transaction lost a lock race');
    reply.header('retry-after', '1');
    return send(503, 'TRY_AGAIN', 'A concurrent change held this resource; nothing was changed, try again');
  }
  const dependency = isDependencyError(err);
  if (dependency) {
    req.log.warn({ err }, `${dependency} unavailable`);
    const dep = new DependencyError(dependency);
    return send(dep.status, dep.code, dep.message);
  }
  req.log.error({ err }, 'unhandled error');
  return send(500, 'INTERNAL', 'Internal server error');
}

/** Routes every error, and requests no route matched, to the one error shape. */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler(sendError);

  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `Route ${req.method} ${req.url.split('?')[0]} not found` } }),
  );
}

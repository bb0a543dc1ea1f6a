import type { FastifyInstance } from 'fastify';
import { unsubscribeHandlers } from '../handlers/unsubscribe.handler.ts';
import { PUBLIC } from '../middlewares/access.ts';
import type { UnsubscribeService } from '../services/unsubscribe.service.ts';
import { errors, TextResponse } from '../types/common.schemas.ts';
import { UnsubscribeQuery } from '../types/unsubscribe.schemas.ts';

const tags = ['unsubscribe'];

/** GET shows a confirmation page; POST (RFC 8058 one-click, no auth, no redirect) opts the user out. */
export async function unsubscribeRoutes(app: FastifyInstance, deps: { unsubscribe: UnsubscribeService }) {
  const h = unsubscribeHandlers(deps);
  await app.register(async (scope) => {
    // Mail clients post `List-Unsubscribe=One-Click` as a form (RFC 8058); the body carries nothing we need.
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => done(null, undefined));

    scope.get('/v1/unsubscribe', {
      config: { access: PUBLIC },
      schema: {
        tags,
        summary: 'Confirmation page for an unsubscribe link',
        querystring: UnsubscribeQuery,
        response: { 200: TextResponse('text/html', 'A page with a button that confirms'), ...errors(400) },
      },
      handler: h.confirm,
    });

    scope.post('/v1/unsubscribe', {
      config: { access: PUBLIC },
      schema: {
        tags,
        summary: 'One-click unsubscribe (RFC 8058)',
        querystring: UnsubscribeQuery,
        response: { 200: TextResponse('text/html', 'A page saying the address is unsubscribed'), ...errors(400) },
      },
      handler: h.optOut,
    });
  });
}

import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC } from '../middlewares/access.ts';
import type { App } from '../server/app.ts';
import type { AppContext } from '../server/context.ts';

const Query = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
type Req = FastifyRequest<{ Querystring: { token: string } }>;

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

const invalid = (reply: FastifyReply) =>
  reply.status(400).send({ error: { code: 'INVALID_TOKEN', message: 'This unsubscribe link is not valid' } });

/** GET shows a confirmation page; POST (RFC 8058 one-click, no auth, no redirect) opts the user out. */
export async function unsubscribeRoutes(app: App, ctx: AppContext) {
  await app.register(async (scope) => {
    // Mail clients post `List-Unsubscribe=One-Click` as a form (RFC 8058); the body carries nothing we need.
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => done(null, undefined));

    scope.get('/v1/unsubscribe', {
      config: { access: PUBLIC },
      schema: { tags: ['unsubscribe'], summary: 'Confirmation page for an unsubscribe link', querystring: Query, produces: ['text/html'] },
      handler: async (req: Req, reply) => {
        if (ctx.unsubscribe.verify(req.query.token) === undefined) return invalid(reply);
        const action = `/v1/unsubscribe?token=${encodeURIComponent(req.query.token)}`;
        return reply
          .type('text/html; charset=utf-8')
          .send(page('Unsubscribe', `<p>Stop receiving campaign emails?</p><form method="post" action="${action}"><button type="submit">Unsubscribe</button></form>`));
      },
    });

    scope.post('/v1/unsubscribe', {
      config: { access: PUBLIC },
      schema: { tags: ['unsubscribe'], summary: 'One-click unsubscribe (RFC 8058)', querystring: Query, response: { 400: Type.Ref('Error') } },
      handler: async (req: Req, reply) => {
        const userId = ctx.unsubscribe.verify(req.query.token);
        if (userId === undefined) return invalid(reply);
        await ctx.repos.users.update(userId, { emailOptIn: false });
        return reply.type('text/html; charset=utf-8').send(page('Unsubscribed', '<p>You will not receive campaign emails any more.</p>'));
      },
    });
  });
}

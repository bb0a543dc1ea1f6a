import type { FastifyReply } from 'fastify';
import type { UnsubscribeService } from '../services/unsubscribe.service.ts';
import type { UnsubscribeQuery } from '../types/unsubscribe.schemas.ts';
import type { Req } from './request.ts';

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

type Request = Req<{ querystring: typeof UnsubscribeQuery }>;

/** HTTP handlers for the unsubscribe link: a confirmation page, and the one-click opt-out. */
export function unsubscribeHandlers({ unsubscribe }: { unsubscribe: UnsubscribeService }) {
  return {
    async confirm(req: Request, reply: FastifyReply) {
      unsubscribe.check(req.query.token);
      const action = `/v1/unsubscribe?token=${encodeURIComponent(req.query.token)}`;
      return reply
        .type('text/html; charset=utf-8')
        .send(page('Unsubscribe', `<p>Stop receiving campaign emails?</p><form method="post" action="${action}"><button type="submit">Unsubscribe</button></form>`));
    },
    async optOut(req: Request, reply: FastifyReply) {
      await unsubscribe.optOut(req.query.token);
      return reply.type('text/html; charset=utf-8').send(page('Unsubscribed', '<p>You will not receive campaign emails any more.</p>'));
    },
  };
}

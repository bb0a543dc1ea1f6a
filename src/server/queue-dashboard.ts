import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contentSecurityPolicy } from 'helmet';
import { AppError, ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import {
  assertOwnOrigin,
  clearQueueDashboardCookie,
  QUEUE_DASHBOARD_COOKIE,
  QUEUE_DASHBOARD_PATH,
  type BrowserSessionOptions,
} from '../handlers/browser-session.ts';
import { sendError } from '../middlewares/error-handler.ts';
import type { AuthService } from '../services/auth.service.ts';
import type { PermissionService } from '../services/permission.service.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const STATIC_PATH = `${QUEUE_DASHBOARD_PATH}/static/`;

// bull-board's UI is a script bundle of its own origin that adds <style> elements and style
// attributes at run time; it needs no eval, no inline script and nothing from another origin (the
// Google font it links is left out: the page falls back to a local font).
const dashboardCsp = contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    upgradeInsecureRequests: [],
  },
});

const PAGES: Record<401 | 403, { title: string; text: string }> = {
  401: {
    title: 'Sign in to see the queues',
    text: 'This page is for admins who are signed in to the dashboard. Sign in there as an admin and open the queue dashboard from it: that lets this browser in for 15 minutes. If you just signed out, or 15 minutes have passed, open it from the dashboard again.',
  },
  403: {
    title: 'Only admins can see the queues',
    text: 'Your account is signed in, but the queue dashboard is for admins only. Ask an admin if you need to see the delivery queue.',
  },
};

function page(status: 401 | 403): string {
  const { title, text } = PAGES[status];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head>
<body><h1>${title}</h1><p>${text}</p></body></html>
`;
}

/** A refusal: a plain page for a browser's navigation, the one error shape for the UI's API calls. */
function refuse(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = err instanceof AppError ? err.status : 0;
  if ((status === 401 || status === 403) && String(req.headers.accept).includes('text/html')) {
    return reply.status(status).type('text/html; charset=utf-8').send(page(status));
  }
  return sendError(err as Error, req, reply);
}

/**
 * Serves bull-board at /admin/queues to admins. A navigation carries no bearer token, so every request
 * there needs the pass cookie set by POST /v1/auth/queue-dashboard: its session must still be live and
 * its user still hold `queue.dashboard`; requests that change something must also come from this origin.
 */
export async function registerQueueDashboard(
  app: FastifyInstance,
  deps: { queue: Queue; auth: AuthService; permissions: PermissionService; browser: BrowserSessionOptions },
) {
  const { auth, permissions, browser } = deps;
  const serverAdapter = new FastifyAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(deps.queue)], serverAdapter, options: { uiConfig: { boardTitle: 'Campaign queues' } } });

  await app.register(async (scope) => {
    scope.addHook('onRequest', (req, reply, done) => dashboardCsp(req.raw, reply.raw, done));
    // Errors are answered here: inside bull-board's plugin its own error handler would turn them into 500s.
    scope.addHook('onRequest', async (req, reply) => {
      try {
        if (!SAFE_METHODS.has(req.method)) assertOwnOrigin(req, browser);
        const pass = req.cookies[QUEUE_DASHBOARD_COOKIE];
        if (!pass) throw new UnauthorizedError('Open the queue dashboard from the dashboard, signed in as an admin');
        try {
          req.principal = await auth.authenticateDashboardPass(pass);
        } catch (err) {
          // A pass that no longer works is of no use to the browser.
          if (err instanceof UnauthorizedError) clearQueueDashboardCookie(reply, browser);
          throw err;
        }
        if (!(await permissions.can(req.principal.roleId, 'queue.dashboard'))) throw new ForbiddenError();
      } catch (err) {
        return refuse(err, req, reply);
      }
      // The UI and its API answers show job data; the bundle's files are public and may be cached.
      if (!req.url.startsWith(STATIC_PATH)) reply.header('cache-control', 'no-store');
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}

import type { App } from '../server/app.ts';
import type { AppContext } from '../server/context.ts';
import { auditRoutes } from './audit.routes.ts';
import { authRoutes } from './auth.routes.ts';
import { campaignRoutes } from './campaign.routes.ts';
import { opsRoutes } from './ops.routes.ts';
import { unsubscribeRoutes } from './unsubscribe.routes.ts';
import { userRoutes } from './user.routes.ts';

/** The route table: every route declares its access in config.access. */
export async function registerRoutes(app: App, ctx: AppContext) {
  opsRoutes(app, ctx);
  authRoutes(app, ctx);
  userRoutes(app, ctx);
  auditRoutes(app, ctx);
  campaignRoutes(app, ctx);
  await unsubscribeRoutes(app, ctx);
}

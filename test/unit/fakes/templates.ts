import type { TemplateChecker } from '../../../src/services/template.pool.ts';
import { checkCampaignTemplates } from '../../../src/services/template.service.ts';

/** The same checks the worker threads run, run here on the calling thread: no pool, no time limit. */
export function createInlineTemplateChecker(unsubscribeUrl: string): TemplateChecker {
  return {
    check: async (t) => checkCampaignTemplates({ ...t, unsubscribeUrl }),
    close: async () => {},
  };
}

// Entry point of the template worker threads (see template.pool.ts).
import workerpool from 'workerpool';
import { checkCampaignTemplates, type CampaignTemplates } from './template.service.ts';

workerpool.worker({
  checkCampaignTemplates: (t: CampaignTemplates) => checkCampaignTemplates(t, (stage) => workerpool.workerEmit({ stage })),
});

// The ceiling: how fast pooled nodemailer alone delivers the same messages to the same sink,
// with as many messages in flight as the pipeline allows. Run as its own process:
//   node --import tsx bench/ceiling.ts --smtp-url smtp://127.0.0.1:P --count N --pool 5 --in-flight 40
// The campaign (GET /v1/campaigns/:id's `campaign`) comes in BENCH_CAMPAIGN; UNSUBSCRIBE_SECRET,
// PUBLIC_BASE_URL and MAIL_FROM as for the service. Prints {"messages","seconds","perSecond"}.
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import type { CampaignRecord } from '../src/domain/campaign.ts';
import { createMessageBuilder } from '../src/services/message.service.ts';
import { createMessageIds } from '../src/services/message-id.ts';
import { createUnsubscribeTokens } from '../src/services/unsubscribe.ts';

const { values } = parseArgs({
  options: {
    'smtp-url': { type: 'string' },
    count: { type: 'string' },
    pool: { type: 'string', default: '5' },
    'in-flight': { type: 'string', default: '40' },
  },
});
const smtpUrl = new URL(values['smtp-url'] ?? 'smtp://127.0.0.1:2525');
const count = Number(values.count);
const pool = Number(values.pool);
const inFlight = Number(values['in-flight']);
if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive integer');

interface ApiCampaign {
  id: number;
  type: CampaignRecord['type'];
  title: string;
  subject: string;
  body_html: string;
  body_text: string;
  promo_code: string | null;
  updated_at: string;
}
const api = JSON.parse(process.env.BENCH_CAMPAIGN ?? 'null') as ApiCampaign | null;
if (!api) throw new Error('BENCH_CAMPAIGN is not set');
const at = new Date(api.updated_at);
const campaign: CampaignRecord = {
  stats: { recipients: 0, pending: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 },
  id: api.id,
  messageKey: 'bench',
  type: api.type,
  title: api.title,
  description: '',
  remarks: '',
  subject: api.subject,
  bodyHtml: api.body_html,
  bodyText: api.body_text,
  promoCode: api.promo_code,
  startTime: null,
  endTime: null,
  status: 'sending',
  version: 1,
  rejectionReason: null,
  createdBy: null,
  updatedBy: null,
  approvedBy: null,
  approvedAt: at,
  startedAt: at,
  completedAt: null,
  fanoutCursor: 0,
  fanoutDone: false,
  createdAt: at,
  updatedAt: at,
};

// One real message, rendered by the service's own builder for a sample customer; every message
// below is this one with its own recipient and Message-ID.
const builder = createMessageBuilder({
  messageIds: createMessageIds({ secret: 'bench-message-id-secret' }),
  mailFrom: process.env.MAIL_FROM ?? 'Campaigns <no-reply@localhost>',
  unsubscribe: createUnsubscribeTokens({
    secret: process.env.UNSUBSCRIBE_SECRET ?? '',
    publicBaseUrl: process.env.PUBLIC_BASE_URL ?? 'http://localhost',
  }),
});
const sample = builder.build(campaign, { id: 1, email: 'customer1@bench.example.test', firstName: 'First1', lastName: 'Last1' });

const transport = nodemailer.createTransport({
  pool: true,
  maxConnections: pool,
  maxMessages: Infinity,
  host: smtpUrl.hostname,
  port: Number(smtpUrl.port || 25),
  secure: false,
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
});

let next = 0;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: Math.min(inFlight, count) }, async () => {
    while (next < count) {
      const i = next++;
      await transport.sendMail({
        from: sample.from,
        to: `ceiling${i}@bench.example.test`,
        subject: sample.subject,
        html: sample.html,
        text: sample.text,
        messageId: `<ceiling-${i}@localhost>`,
        headers: sample.headers,
      });
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
transport.close();
process.stdout.write(`${JSON.stringify({ messages: count, seconds, perSecond: count / seconds })}\n`);

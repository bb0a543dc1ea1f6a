import { describe, expect, it } from 'vitest';
import { SendError } from '../../src/domain/ports.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { createScriptedMailer } from './fakes/mailer.ts';

/** The value of one sample in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const mail = { from: 'a@x.test', to: 'b@x.test', subject: 's', html: '<p>h</p>', text: 't', messageId: '<m@x.test>', headers: {} };

describe('metrics registry', () => {
  it('reads the queue depth by state at scrape time', async () => {
    const m = createMetrics({ queue: { name: 'delivery', counts: async () => ({ waiting: 3, active: 1, delayed: 2, failed: 0 }) } });
    const text = await m.registry.metrics();
    expect(sample(text, 'cns_queue_jobs{queue="delivery",state="waiting"}')).toBe(3);
    expect(sample(text, 'cns_queue_jobs{queue="delivery",state="active"}')).toBe(1);
    expect(sample(text, 'cns_queue_jobs{queue="delivery",state="delayed"}')).toBe(2);
    expect(sample(text, 'cns_queue_jobs{queue="delivery",state="failed"}')).toBe(0);
    expect(sample(text, 'cns_queue_scrape_errors_total')).toBe(0);
  });

  it('a queue that never answers does not hold the scrape: the depth is absent and the error counted; later scrapes do not pile up reads', async () => {
    let reads = 0;
    const m = createMetrics({ queueTimeoutMs: 20, queue: { name: 'delivery', counts: () => (reads++, new Promise(() => {})) } });
    const [first, second] = await Promise.all([m.registry.metrics(), m.registry.metrics()]);
    const third = await m.registry.metrics();
    for (const text of [first, second, third]) expect(text).not.toMatch(/^cns_queue_jobs\{/m);
    // The two concurrent scrapes shared one refresh; the third waited again.
    expect(sample(second, 'cns_queue_scrape_errors_total')).toBe(1);
    expect(sample(third, 'cns_queue_scrape_errors_total')).toBe(2);
    expect(reads).toBe(1);
    expect(third).toMatch(/^cns_messages_total\{outcome="sent"\} 0$/m);
  });

  it('a failed read drops the depth it reported before (no stale numbers)', async () => {
    let fail = false;
    const m = createMetrics({ queue: { name: 'delivery', counts: async () => (fail ? Promise.reject(new Error('down')) : { waiting: 5 }) } });
    expect(sample(await m.registry.metrics(), 'cns_queue_jobs{queue="delivery",state="waiting"}')).toBe(5);
    fail = true;
    const text = await m.registry.metrics();
    expect(text).not.toMatch(/^cns_queue_jobs\{/m);
    expect(sample(text, 'cns_queue_scrape_errors_total')).toBe(1);
  });

  it('times every send, accepted or refused, and passes the refusal on', async () => {
    const m = createMetrics();
    const inner = createScriptedMailer();
    const timed = m.timeSends(inner);
    await timed.send(mail);
    inner.setScript(() => ({ kind: 'recipient-permanent', message: '550 no' }));
    await expect(timed.send(mail)).rejects.toBeInstanceOf(SendError);
    const text = await m.registry.metrics();
    expect(sample(text, 'cns_smtp_send_duration_seconds_count')).toBe(2);
    expect(sample(text, 'cns_smtp_send_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    timed.close();
    expect(inner.closed).toBe(true);
  });

  it('counts messages by outcome and bounces and complaints by kind, source and outcome, every series present from the start', async () => {
    const m = createMetrics();
    const before = await m.registry.metrics();
    expect(sample(before, 'cns_messages_total{outcome="sender_error"}')).toBe(0);
    expect(sample(before, 'cns_delivery_events_total{kind="complaint",source="mailbox",outcome="applied"}')).toBe(0);
    m.delivery.message('sent');
    m.delivery.message('sent');
    m.delivery.message('retried');
    m.delivery.deliveryEvent('hard_bounce', 'ses', 'applied');
    m.delivery.deliveryEvent('complaint', 'mailbox', 'duplicate');
    const text = await m.registry.metrics();
    expect(sample(text, 'cns_messages_total{outcome="sent"}')).toBe(2);
    expect(sample(text, 'cns_messages_total{outcome="retried"}')).toBe(1);
    expect(sample(text, 'cns_messages_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'cns_delivery_events_total{kind="hard_bounce",source="ses",outcome="applied"}')).toBe(1);
    expect(sample(text, 'cns_delivery_events_total{kind="complaint",source="mailbox",outcome="duplicate"}')).toBe(1);
    // Bounded: 5 outcomes; 3 kinds × 5 sources × 3 outcomes.
    expect(text.match(/^cns_messages_total\{/gm)).toHaveLength(5);
    expect(text.match(/^cns_delivery_events_total\{/gm)).toHaveLength(45);
  });
});

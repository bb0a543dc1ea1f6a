import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DELIVERY_EVENT_KINDS, DELIVERY_EVENT_SOURCES, type DeliveryEventOutcome } from '../domain/deliverability.ts';
import { MESSAGE_OUTCOMES, type DeliveryMetrics } from '../domain/metrics.ts';
import type { Mailer } from '../domain/ports.ts';

/** The queue states `cns_queue_jobs` reports. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

const EVENT_OUTCOMES: DeliveryEventOutcome[] = ['applied', 'duplicate', 'unmatched'];

/** How long a scrape waits for the queue's job counts before it answers without them. */
export const QUEUE_COUNTS_TIMEOUT_MS = 1000;

export interface MetricsOptions {
  /** The delivery queue, read at each scrape: its name (a label) and its job counts by state. */
  queue?: { name: string; counts(): Promise<Partial<Record<QueueState, number>>> };
  /** How long a scrape waits for the counts (QUEUE_COUNTS_TIMEOUT_MS by default). */
  queueTimeoutMs?: number;
}

/**
 * A Prometheus registry with process metrics, HTTP request counts and durations, and the delivery
 * metrics: messages by outcome, mail server send time, bounces and complaints, queue depth.
 */
export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const messages = new Counter({
    name: 'cns_messages_total',
    help: 'Campaign messages by outcome: sent, failed, retried (temporary failure), skipped (left the audience), sender_error (the campaign paused)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Every series exists from the start (at 0), so rate() sees the first increment.
  for (const outcome of MESSAGE_OUTCOMES) messages.inc({ outcome }, 0);

  const smtpSend = new Histogram({
    name: 'cns_smtp_send_duration_seconds',
    help: 'Time the mail server took to accept or refuse one message (every try, test sends included)',
    // From a relay on the same network (milliseconds) to the 30 s socket timeout.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const events = new Counter({
    name: 'cns_delivery_events_total',
    help: 'Bounces and complaints received, by kind, source and what recording them did (applied, duplicate, unmatched)',
    labelNames: ['kind', 'source', 'outcome'] as const,
    registers: [registry],
  });
  for (const kind of DELIVERY_EVENT_KINDS) {
    for (const source of DELIVERY_EVENT_SOURCES) for (const outcome of EVENT_OUTCOMES) events.inc({ kind, source, outcome }, 0);
  }

  const queue = opts.queue;
  const timeoutMs = opts.queueTimeoutMs ?? QUEUE_COUNTS_TIMEOUT_MS;
  const queueJobs = new Gauge({
    name: 'cns_queue_jobs',
    help: 'Jobs in the delivery queue by state, read from Redis at each scrape',
    labelNames: ['queue', 'state'] as const,
    registers: queue ? [registry] : [],
    collect: () => refreshQueue(),
  });
  const queueErrors = new Counter({
    name: 'cns_queue_scrape_errors_total',
    help: 'Scrapes that answered without the queue job counts (Redis failed or was slower than the timeout)',
    registers: queue ? [registry] : [],
    collect: () => refreshQueue(),
  });
  // A read Redis has not answered yet is shared by the scrapes that arrive meanwhile; so is a refresh
  // (both collectors above wait for the same one, so the error count is current in the same scrape).
  let reading: Promise<Partial<Record<QueueState, number>>> | undefined;
  let refreshing: Promise<void> | undefined;
  function refreshQueue(): Promise<void> {
    if (!queue) return Promise.resolve();
    refreshing ??= (async () => {
      reading ??= queue.counts().finally(() => (reading = undefined));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      try {
        const counts = await Promise.race([reading, late]);
        if (!counts) throw new Error('timed out');
        for (const state of QUEUE_STATES) queueJobs.set({ queue: queue.name, state }, counts[state] ?? 0);
      } catch {
        // No number is better than a stale one: the series are absent from this scrape.
        queueJobs.reset();
        queueErrors.inc();
      } finally {
        clearTimeout(timer);
      }
    })().finally(() => (refreshing = undefined));
    return refreshing;
  }

  const delivery: DeliveryMetrics = {
    message(outcome) {
      messages.inc({ outcome });
    },
    deliveryEvent(kind, source, outcome) {
      events.inc({ kind, source, outcome });
    },
  };

  return {
    registry,
    /** The counters the delivery engine and the bounce intake report to. */
    delivery,
    instrument(app: FastifyInstance) {
      app.addHook('onResponse', async (req, reply) => {
        const route = req.routeOptions.url ?? 'unmatched';
        requests.inc({ method: req.method, route, status: reply.statusCode });
        duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
      });
    },
    /** The mailer, with the time of every send (accepted or refused) in `cns_smtp_send_duration_seconds`. */
    timeSends(mailer: Mailer): Mailer {
      return {
        async send(mail) {
          const end = smtpSend.startTimer();
          try {
            await mailer.send(mail);
          } finally {
            end();
          }
        },
        close: () => mailer.close(),
      };
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

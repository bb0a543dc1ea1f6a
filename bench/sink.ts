// An SMTP sink for the benchmark, run as its own process (`node --import tsx bench/sink.ts`).
// It accepts everything, keeps no bodies (it counts bytes), counts messages per recipient and
// serves its counters over HTTP: GET /stats, GET /counts, POST /reset.
// Ports: SINK_SMTP_PORT and SINK_HTTP_PORT (0 or unset: any free port). Prints one JSON line
// {"smtp":port,"http":port} on stdout once both listen.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let counts = new Map<string, number>();
let total = 0;
let bytes = 0;
let lastAcceptedAt = 0;

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, session, callback) {
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    stream.on('end', () => {
      for (const r of session.envelope.rcptTo) {
        const to = r.address.toLowerCase();
        counts.set(to, (counts.get(to) ?? 0) + 1);
        total++;
      }
      bytes += size;
      lastAcceptedAt = Date.now();
      callback();
    });
  },
});
// Clients that go away mid-session (workers being stopped) reset their connections; that is expected.
smtp.on('error', () => undefined);

const http = createServer((req, res) => {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const path = new URL(req.url ?? '/', 'http://sink').pathname;
  if (req.method === 'GET' && path === '/stats') {
    return send(200, { total, unique: counts.size, duplicates: total - counts.size, lastAcceptedAt, bytes });
  }
  if (req.method === 'GET' && path === '/counts') return send(200, Object.fromEntries(counts));
  if (req.method === 'POST' && path === '/reset') {
    counts = new Map();
    total = 0;
    bytes = 0;
    lastAcceptedAt = 0;
    return send(200, { ok: true });
  }
  send(404, { error: 'not found' });
});

const listen = (server: { listen(port: number, host: string, cb: () => void): unknown }, port: number) =>
  new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

await listen(smtp, Number(process.env.SINK_SMTP_PORT ?? 0));
await listen(http, Number(process.env.SINK_HTTP_PORT ?? 0));
const smtpPort = (smtp.server.address() as AddressInfo).port;
const httpPort = (http.address() as AddressInfo).port;
process.stdout.write(`${JSON.stringify({ smtp: smtpPort, http: httpPort })}\n`);

const stop = () => {
  http.close();
  smtp.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

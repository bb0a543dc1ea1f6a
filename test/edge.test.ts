import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type App } from '../src/server/app.ts';
import { bearer, createTestEnv, eventually, uniqueEmail, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// `strict`: a 1 s request timeout and a metrics token. `plain`: the defaults, in development.
let strict: TestEnv;
let plain: TestEnv;
let strictPort: number;
let plainPort: number;
let admin: TestUser;

async function listen(t: TestEnv): Promise<number> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return (t.app.server.address() as AddressInfo).port;
}

beforeAll(async () => {
  [strict, plain] = await Promise.all([
    createTestEnv('edge', { REQUEST_TIMEOUT: '1s', METRICS_TOKEN }),
    createTestEnv('edge_plain', { NODE_ENV: 'development' }),
  ]);
  [strictPort, plainPort] = await Promise.all([listen(strict), listen(plain)]);
  admin = await userWithRole(strict, 'admin');
});
afterAll(() => Promise.all([strict?.close(), plain?.close()]));

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection, and how long that took. */
function untilClosed(s: Socket, within = 10_000): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  let text = '';
  s.setEncoding('latin1');
  s.on('data', (d: string) => (text += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`the server kept the connection open for ${within} ms; received ${JSON.stringify(text.slice(0, 200))}`));
    }, within);
    s.once('close', () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - started });
    });
    s.once('error', () => {}); // a reset after the answer still ends in 'close'
  });
}

/** Sends raw bytes on a new connection and returns the parsed answer once the server closes it. */
async function rawExchange(port: number, request: string) {
  const s = await open(port);
  const done = untilClosed(s);
  s.write(request);
  return parse((await done).text);
}

function parse(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = rest.join('\r\n\r\n');
  return { status: Number(statusLine!.split(' ')[1]), headers, body, json: () => JSON.parse(body) as { error: { code: string; message: string } } };
}

/** The one error shape, exactly. */
function expectShape(body: unknown, code: string) {
  expect(Object.keys(body as object)).toEqual(['error']);
  const error = (body as { error: Record<string, unknown> }).error;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual([]);
}

/** One run of an Ajv validator: in all-errors mode or not, how many errors it built, and how many keys its input had. */
interface AjvRun {
  allErrors: boolean;
  errors: number;
  values: number;
}

describe('validation errors stay small', () => {
  const valid = () => ({ email: uniqueEmail('edge'), password: 'a long enough password', first_name: 'Ada', last_name: 'Lovelace' });

  // An app like `strict` whose Ajv validators report each run, and which hears when a request's
  // validation is about to begin.
  let app: App;
  let runs: AjvRun[] | undefined;
  let beforeValidation: (() => void) | undefined;
  beforeAll(async () => {
    const compile = Ajv.prototype.compile;
    const spy = vi.spyOn(Ajv.prototype, 'compile').mockImplementation(function (this: Ajv, schema: object, meta?: boolean) {
      const validate = compile.call(this, schema, meta);
      const allErrors = this.opts.allErrors === true;
      const counted = Object.assign((data: unknown) => {
        const ok = validate(data);
        counted.errors = validate.errors;
        runs?.push({ allErrors, errors: validate.errors?.length ?? 0, values: data && typeof data === 'object' ? Object.keys(data).length : 0 });
        return ok;
      }, validate);
      return counted as typeof validate;
    } as typeof compile);
    try {
      app = await buildApp(strict.ctx);
      app.addHook('preValidation', async () => beforeValidation?.());
      await app.ready();
    } finally {
      spy.mockRestore();
    }
  });
  afterAll(() => app?.close());

  /**
   * Sends a request whose body is `payload`; with its answer, the validator runs it caused and whether
   * its validation began in a later turn of the event loop than the parse of the body.
   */
  async function watchValidation<T>(payload: string, send: () => Promise<T>) {
    const parse = JSON.parse;
    let turnPassed = false;
    let validatedInLaterTurn: boolean | undefined;
    const spy = vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof parse>[1]) => {
      const value: unknown = parse(text, reviver);
      // Queued before whatever the parser's caller queues: it runs first if validation waits for a turn.
      if (text === payload) setImmediate(() => (turnPassed = true));
      return value;
    });
    beforeValidation = () => void (validatedInLaterTurn ??= turnPassed);
    const seen: AjvRun[] = (runs = []);
    try {
      const res = await send();
      return { res, runs: seen, validatedInLaterTurn };
    } finally {
      spy.mockRestore();
      beforeValidation = undefined;
      runs = undefined;
    }
  }

  it('100,000 unknown keys: 400 with one detail, an answer smaller than the request, checked up to the first problem only, in a turn of its own', async () => {
    const fields = JSON.stringify(valid()).slice(1, -1);
    const unknown = Array.from({ length: 100_000 }, (_, i) => `"k${i.toString(36)}":1`).join(',');
    const payload = `{${fields},${unknown}}`;
    expect(payload.length).toBeGreaterThan(800_000);
    expect(payload.length).toBeLessThan(strict.config.bodyLimitBytes);

    // The work, not the time it took (that is in the benchmark: `npm run bench`, "Event-loop work"):
    // Ajv in all-errors mode built 100,000 errors for this body and held the event loop for 250 ms
    // or more; the fail-fast validator builds one. And the body's parse (tens of milliseconds) and
    // its validation run in different turns of the event loop, so that other requests go between.
    const { runs, validatedInLaterTurn, res } = await watchValidation(payload, () =>
      app.inject({ method: 'POST', url: '/v1/auth/signup', payload, headers: { 'content-type': 'application/json' } }),
    );
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expectShape(body, 'VALIDATION_FAILED');
    // More than 200 values: checked only up to the first problem, not all 100,000 then cut.
    expect(body.error.details).toHaveLength(1);
    expect(body.error.details[0].field).toMatch(/^k[0-9a-z]+$/);
    expect(res.body.length).toBeLessThan(payload.length);
    // One validator ran on the body: the fail-fast one, which stopped at its first error.
    expect(runs.filter((r) => r.values > 200)).toEqual([{ allErrors: false, errors: 1, values: 100_004 }]);
    expect(validatedInLaterTurn).toBe(true);
  });

  it('does not echo a 500 KB field name whole', async () => {
    const key = 'x'.repeat(500_000);
    const payload = JSON.stringify({ ...valid(), [key]: 1 });
    const res = await strict.app.inject({ method: 'POST', url: '/v1/auth/signup', payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expectShape(res.json(), 'VALIDATION_FAILED');
    expect(res.body.length).toBeLessThan(1000);
    expect(res.json().error.details[0].field).toMatch(/^x{100}…$/);
  });

  it('a small input lists each problem, up to 20', async () => {
    const empty = await strict.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { first_name: 7 } });
    expect(empty.statusCode).toBe(400);
    const fields = empty.json().error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'first_name', 'last_name']));

    const extra = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`extra${i}`, i]));
    const many = await strict.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { ...valid(), ...extra } });
    expect(many.statusCode).toBe(400);
    const details = many.json().error.details as { field: string }[];
    expect(details).toHaveLength(20);
    expect(details.map((d) => d.field)).toEqual(Array.from({ length: 20 }, (_, i) => `extra${i}`));
  });

  it('query strings are bounded alike', async () => {
    const qs = Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join('&');
    const res = await strict.app.inject({ url: `/v1/users?${qs}`, headers: bearer(admin.access) });
    expect(res.statusCode).toBe(400);
    expectShape(res.json(), 'VALIDATION_FAILED');
    expect(res.json().error.details).toHaveLength(1);
  });
});

describe('request timeout and connections per client', () => {
  // REQUEST_TIMEOUT is 1 s here, checked every 250 ms: the cut comes 1 to 1.25 s after the request
  // began. The wait for it (untilClosed's 10 s) leaves a busy machine eight times that; a cut before
  // the second would not be the timeout's.
  it.concurrent('cuts a body trickled after its headers within REQUEST_TIMEOUT, answering 408 in the error shape', async () => {
    const s = await open(strictPort);
    const done = untilClosed(s);
    s.write('POST /v1/auth/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{');
    const drip = setInterval(() => s.writable && s.write(' '), 200);
    const { text, ms } = await done.finally(() => clearInterval(drip));
    expect(ms).toBeGreaterThanOrEqual(900);
    const res = parse(text);
    expect(res.status).toBe(408);
    expectShape(res.json(), 'REQUEST_TIMEOUT');
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it.concurrent('cuts headers trickled one line at a time', async () => {
    const s = await open(strictPort);
    const done = untilClosed(s);
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    let n = 0;
    const drip = setInterval(() => s.writable && s.write(`x-h${n++}: 1\r\n`), 200);
    const { text, ms } = await done.finally(() => clearInterval(drip));
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(parse(text).status).toBe(408);
  });

  it('refuses a client address its 129th concurrent connection (the default cap), and admits it again once one closes', async () => {
    expect(plain.config.maxConnectionsPerClient).toBe(128);
    const held = await Promise.all(Array.from({ length: 128 }, () => open(plainPort)));
    try {
      const refused = await rawExchange(plainPort, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(refused.status).toBe(429);
      expectShape(refused.json(), 'TOO_MANY_CONNECTIONS');

      // The held connections work.
      const first = untilClosed(held[0]!);
      held[0]!.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(parse((await first).text).status).toBe(200);
      // One closed: a new connection is admitted.
      const res = await eventually(async () => {
        const r = await rawExchange(plainPort, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        return r.status === 200 && r;
      }, 10_000, 50);
      expect(res.json()).toEqual({ status: 'ok' });
    } finally {
      for (const s of held) s.destroy();
    }
  });
});

describe('errors below the routes use the one shape', () => {
  it('a bad percent-encoding in the path → 400 MALFORMED_URL (inject)', async () => {
    const res = await strict.app.inject({ url: '/v1/campaigns/%zz', headers: { 'x-request-id': 'bad-url-1' } });
    expect(res.statusCode).toBe(400);
    expectShape(res.json(), 'MALFORMED_URL');
    expect(res.headers['x-request-id']).toBe('bad-url-1');
  });

  it('a bad percent-encoding in the path → 400 MALFORMED_URL (socket)', async () => {
    const res = await rawExchange(strictPort, 'GET /v1/campaigns/%zz HTTP/1.1\r\nHost: x\r\nx-request-id: bad-url-2\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(400);
    expectShape(res.json(), 'MALFORMED_URL');
    expect(res.headers['x-request-id']).toBe('bad-url-2');
  });

  it('an oversized header → 431 HEADERS_TOO_LARGE', async () => {
    const res = await rawExchange(strictPort, `GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expectShape(res.json(), 'HEADERS_TOO_LARGE');
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('a malformed header line → 400 MALFORMED_REQUEST', async () => {
    const res = await rawExchange(strictPort, 'GET /healthz HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n');
    expect(res.status).toBe(400);
    expectShape(res.json(), 'MALFORMED_REQUEST');
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('an unsupported Expect header → 417 EXPECTATION_FAILED', async () => {
    const res = await rawExchange(strictPort, 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(417);
    expectShape(res.json(), 'EXPECTATION_FAILED');
  });

  it('a request that reaches a closing server → 503 SERVICE_UNAVAILABLE', async () => {
    const app = await buildApp(plain.ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const s = await open((app.server.address() as AddressInfo).port);
    const done = untilClosed(s);
    // A request in flight (its body incomplete) keeps the server from closing the connection at once.
    const received = new Promise((r) => app.server.once('request', r));
    s.write('POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{');
    await received;
    const closed = app.close();
    // Until the server is closing: it stops listening after Fastify has marked itself closing.
    await eventually(async () => !app.server.listening, 10_000, 5);
    s.write('}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const { text } = await done;
    await closed;
    const second = text.slice(text.indexOf('HTTP/1.1', 1));
    const res = parse(second);
    expect(res.status).toBe(503);
    expectShape(res.json(), 'SERVICE_UNAVAILABLE');
  });
});

describe('/metrics', () => {
  it('with METRICS_TOKEN set: 401 in the error shape without the token or with a wrong one', async () => {
    for (const headers of [{}, bearer('wrong'), bearer(`${METRICS_TOKEN}x`), bearer(admin.access), { authorization: METRICS_TOKEN }]) {
      const res = await strict.app.inject({ url: '/metrics', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expectShape(res.json(), 'UNAUTHORIZED');
    }
  });

  it('with METRICS_TOKEN set: 200 Prometheus text with the token', async () => {
    const res = await strict.app.inject({ url: '/metrics', headers: bearer(METRICS_TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toContain('# TYPE http_requests_total counter');
  });

  it('without METRICS_TOKEN in development: 200', async () => {
    expect(plain.config).toMatchObject({ nodeEnv: 'development', metricsToken: undefined });
    const res = await plain.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE http_requests_total counter');
  });
});

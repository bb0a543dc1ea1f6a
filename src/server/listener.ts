import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/types.ts';

/** A complete HTTP/1.1 answer in the one error shape, for sockets no Fastify reply exists for. */
export function rawErrorResponse(status: number, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-request-id: ${randomUUID()}\r\n` +
    'connection: close\r\n\r\n' +
    body
  );
}

/** Fastify's server options that bound how long a client may take to send a request and keep an idle connection. */
export function listenerOptions(config: Pick<Config, 'requestTimeoutMs' | 'keepAliveTimeoutMs'>) {
  const requestTimeout = config.requestTimeoutMs;
  const keepAliveTimeout = config.keepAliveTimeoutMs;
  // Node checks the request timeouts only every connectionsCheckingInterval (30 s by default), so
  // a timeout would otherwise be honoured up to 30 s late.
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4)));
  const http: ServerOptions = { requestTimeout, headersTimeout: requestTimeout, keepAliveTimeout, connectionsCheckingInterval };
  return { requestTimeout, keepAliveTimeout, http };
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request was not received in time'],
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'The request headers are too large'],
};

/** Answers a request Node could not parse (or did not receive in time) in the one error shape, then closes. */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, err: Error & { code?: string }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP'];
  this.log.debug({ err }, 'client error');
  // Only when no answer has started on this connection: a second one would corrupt it.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(rawErrorResponse(status, code, message));
  socket.destroy();
}

/** Refuses a client's connections beyond `max` open at once (0: no limit), counted per remote address. */
export function limitConnectionsPerClient(server: Server, max: number) {
  if (max <= 0) return;
  const open = new Map<string, number>();
  // Node's HTTP parser is attached by the server's own 'connection' listener: run it only for admitted sockets.
  const attach = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.on('error', () => {});
      socket.resume(); // read and drop what the client sends, so closing does not reset before it reads the answer
      socket.end(rawErrorResponse(429, 'TOO_MANY_CONNECTIONS', `More than ${max} open connections from one address`));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
    for (const listener of attach) listener.call(server, socket);
  });
}

/** Answers an `Expect` header the server does not support in the one error shape (Node's own 417 has no body). */
export function refuseExpectations(server: Server) {
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ error: { code: 'EXPECTATION_FAILED', message: 'Only Expect: 100-continue is supported' } });
    res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-request-id': randomUUID() });
    res.end(body);
  });
}

/**
 * The HTTP server for a fetch handler (a Hono app): @hono/node-server's request listener, with no bare
 * answers. A request Hono never sees, because no Request can be made of it (an invalid or missing Host,
 * a target node-server refuses) or Node can't parse it at all, still gets problem+json with X-Request-Id,
 * like every other refusal.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Logger } from '../app.js';
import { GatewayError } from '../errors/gateway-error.js';
import { problemResponse, toProblem } from '../errors/problem.js';
import { requestIdFrom } from './request-id.js';

type FetchHandler = Parameters<typeof getRequestListener>[0];

export function gatewayServer(fetch: FetchHandler, opts: { logger?: Logger } = {}): Server {
  // The request being handed to the listener: node-server calls errorHandler synchronously from there
  // when it can't build a Request, so the caller's X-Request-Id is still at hand. Asynchronous calls (a
  // handler that failed outside Hono's onError) find none and get a new id.
  let arriving: IncomingMessage | undefined;
  const listener = getRequestListener(fetch, {
    errorHandler: (err) => {
      const requestId = requestIdFrom(arriving?.headers['x-request-id']);
      if (err instanceof RequestError) {
        const name = /host/i.test(err.message) ? '(host)' : '(url)';
        opts.logger?.info({ requestId, method: arriving?.method, status: 400, reason: err.message }, 'request');
        return problemResponse(new GatewayError('INVALID_REQUEST', `${name}: ${err.message}`, { invalidParams: [{ name, reason: err.message }] }), requestId);
      }
      opts.logger?.error({ requestId, err: { message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unhandled error');
      return problemResponse(new GatewayError('INTERNAL_ERROR', 'an internal error occurred; quote the requestId when reporting it'), requestId);
    },
  });
  // A missing Host is refused by node-server (as problem+json), not by Node (bare).
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    arriving = req;
    try {
      void listener(req, res);
    } finally {
      arriving = undefined;
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => refuseUnparsable(err, socket));
  return server;
}

/** What Node couldn't parse, answered as problem+json (Node's own answer is a bare status line). */
function refuseUnparsable(err: NodeJS.ErrnoException, socket: Socket): void {
  const inProgress = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  // A reset, a slow sender past the headers timeout, or a response already under way: nothing to say.
  if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const detail = err.code === 'HPE_HEADER_OVERFLOW' ? 'the request headers are too large' : 'the request could not be parsed as HTTP/1.1';
  const requestId = requestIdFrom(undefined);
  const body = JSON.stringify(toProblem(new GatewayError('INVALID_REQUEST', detail), requestId));
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Listens; resolves with the address once it does. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

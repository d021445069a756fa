/**
 * HTTP/1.1 over a bare TCP socket, for what fetch and undici won't send as is (a request target with dot
 * segments or encoded letters, a bad Host) and for callers that stop reading.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: end < 0 ? '' : text.slice(end + 4) };
}

/** Sends `head` (request line and headers, without the final blank line) and reads the answer until the server closes. */
export function rawRequest(url: string, head: string): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('end', () => resolve(parse(text)));
    socket.write(`${head}\r\nconnection: close\r\n\r\n`);
  });
}

/** A GET `path` by a caller that reads the status line and headers, then nothing more. */
export function stalledGet(url: string, path: string): Promise<{ socket: Socket; response: RawResponse; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('data', (chunk: Buffer) => {
      // Stop reading: the socket's buffers fill and the server's writes stall.
      socket.pause();
      socket.removeListener('error', reject);
      socket.on('error', () => undefined);
      resolve({ socket, response: parse(chunk.toString('latin1')), closed });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n\r\n`);
  });
}

/**
 * A caller that pipelines `n` GETs of `path` on one connection and never reads a byte: the kernel takes
 * about one large body's worth, and the server's writes of the others stall.
 */
export function nonReader(url: string, path: string, n: number): { socket: Socket; closed: Promise<void> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.write(`GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n\r\n`.repeat(n));
  return { socket, closed };
}

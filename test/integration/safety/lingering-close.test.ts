import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lingerOnClose } from '../../../shared/adapters/http/lingering-close.js';

/**
 * A server that answers every connection at once and closes it the way Node's HTTP server closes
 * a `connection: close` answer (`destroySoon`), with or without the lingering close.
 */
async function answeringServer(
  linger: boolean,
  lingerMs = 2_000,
): Promise<{ server: Server; closed: Promise<number> }> {
  let closedAt: (at: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    closedAt = resolve;
  });
  const server = createServer((socket) => {
    socket.on('error', () => {});
    const started = Date.now();
    socket.on('close', () => closedAt(Date.now() - started));
    if (linger) lingerOnClose(socket, lingerMs);
    socket.write(
      'HTTP/1.1 413 Content Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
    );
    socket.destroySoon();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, closed };
}

/**
 * A client that is still uploading when the answer and the FIN arrive: it sends once more 50 ms
 * after the FIN (as a client does whose next piece was already on its way), then closes.
 */
function lateUpload(server: Server, closeAfterSending = true) {
  const { port } = server.address() as { port: number };
  const socket: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const exchange = new Promise<{ answer: string; error?: string }>((resolve) => {
    let answer = '';
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', (caught: NodeJS.ErrnoException) => {
      error = caught.code ?? caught.message;
    });
    socket.on('end', () => {
      setTimeout(() => {
        socket.write(Buffer.alloc(8192, 'a'), () => {
          if (closeAfterSending) setTimeout(() => socket.end(), 50);
        });
      }, 50);
    });
    socket.on('close', () => resolve({ answer, error }));
    socket.write('POST /v1/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
  });
  return { socket, exchange };
}

describe('lingerOnClose: a refused upload ends without a reset', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  });

  it('without it, bytes sent after the FIN meet a closed socket and the client sees a reset', async () => {
    const answering = await answeringServer(false);
    server = answering.server;
    const exchange = await lateUpload(server).exchange;
    expect(exchange.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.error).toMatch(/^(EPIPE|ECONNRESET)$/);
  });

  it('with it, the server reads and drops them until the client closes: no error', async () => {
    const answering = await answeringServer(true);
    server = answering.server;
    const exchange = await lateUpload(server).exchange;
    expect(exchange.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.error).toBeUndefined();
  });

  it('does not wait past its bound for a client that never closes', async () => {
    const answering = await answeringServer(true, 300);
    server = answering.server;
    const client = lateUpload(server, false);
    // Generous upper margin: a busy machine may run the timer late, never early.
    const closedAfterMs = await answering.closed;
    expect(closedAfterMs).toBeGreaterThanOrEqual(290);
    expect(closedAfterMs).toBeLessThan(10_000);
    client.socket.destroy();
  });
});

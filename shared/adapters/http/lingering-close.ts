import type { Socket } from 'node:net';

/** How long a refused upload's connection is read and drained after its answer, at most. */
export const LINGER_MS = 2_000;

/**
 * Closes the connection the way nginx's lingering close does, once Node closes it after an answer
 * with `connection: close`: the answer and then our FIN go out, and what the client still sends
 * is read and dropped until it closes its side (or {@link LINGER_MS} passes). Node's own close
 * releases the socket as soon as the FIN is written; bytes the client sent meanwhile then meet a
 * closed socket, the kernel answers them with a reset, and the client sees `EPIPE` or
 * `ECONNRESET` instead of finishing its upload and reading the 413, or can lose the answer.
 */
export function lingerOnClose(socket: Socket, lingerMs = LINGER_MS): void {
  // Node's HTTP server calls destroySoon() when an answer marked `connection: close` is written.
  socket.destroySoon = function lingeringClose(this: Socket): void {
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    // The client's FIN: it has stopped sending, so nothing can meet a closed socket any more.
    this.once('end', () => this.destroy());
    if (this.writable) this.end();
    this.resume();
  };
}

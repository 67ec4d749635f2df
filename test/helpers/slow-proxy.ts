import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP proxy on the loopback interface in front of a database, for fault tests: it delays every chunk by
 * `delayMs` in each direction, keeping the order, or (stalled) holds them all until it forwards again. A side
 * that closes takes its other side with it, dropping what was held for it.
 */
export async function startSlowProxy(targetPort: number) {
  let delayMs = 0;
  let stalled = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();

  const forward = (from: Socket, to: Socket) => {
    let nextAt = 0; // chunks leave in the order they came, each at least delayMs after it arrived
    from.on('data', (chunk) => {
      const send = () => {
        if (!to.destroyed) to.write(chunk);
      };
      const queued = () => {
        const at = Math.max(Date.now() + delayMs, nextAt);
        nextAt = at;
        setTimeout(send, at - Date.now());
      };
      if (stalled) held.push(queued);
      else queued();
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };

  const server = createServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the proxy has no port');

  return {
    port: address.port,
    /** Delays every chunk from now on by `ms` in each direction. */
    delay(ms: number) {
      delayMs = ms;
    },
    /** Stops forwarding: what arrives is held (connections stay open, as with a stuck network or server). */
    stall() {
      stalled = true;
    },
    /** Forwards again, held chunks first. */
    resume() {
      stalled = false;
      for (const send of held.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

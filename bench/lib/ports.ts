// Picks loopback ports free for both UDP and TCP (DNS servers bind both on the same number).
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tryTcp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

function tryUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that is free for TCP and UDP right now. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryTcp(0);
    if (port !== null && (await tryUdp(port))) return port;
  }
  throw new Error('no free loopback port for both TCP and UDP after 50 attempts');
}

import { createServer } from 'node:net';
import { StackError } from './errors';

/** Resolves true when nothing listens on 127.0.0.1:port and it can be bound. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

/** A port the kernel reports free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

/** A port below 32768 that is free on loopback right now: tried at random from 10000 up. */
async function freeSmallPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (32_768 - 10_000));
    if (await isPortFree(port)) return port;
  }
  throw new StackError('No free port below 32768 on 127.0.0.1 after 200 tries.');
}

/**
 * Picks a port for each name: the one fixed in the environment variable `KWP_<NAME>_PORT` if set
 * (failing clearly when it is taken or invalid), otherwise a free one. Ports are distinct. Names in
 * `small` get a port below 32768 (the kernel's own picks are above it).
 */
export async function allocatePorts<Name extends string>(
  names: readonly Name[],
  env: NodeJS.ProcessEnv = process.env,
  small: readonly Name[] = [],
): Promise<Record<Name, number>> {
  const ports = {} as Record<Name, number>;
  const used = new Set<number>();
  for (const name of names) {
    const variable = `KWP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
    const fixed = env[variable];
    if (fixed) {
      const port = Number(fixed);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new StackError(`${variable}=${fixed} is not a valid port number (1-65535).`);
      }
      if (used.has(port) || !(await isPortFree(port))) {
        throw new StackError(`Port ${port} for ${name} (${variable}) is already in use on 127.0.0.1. Free it or choose another port.`);
      }
      ports[name] = port;
    } else {
      const pick = small.includes(name) ? freeSmallPort : freePort;
      let port = await pick();
      while (used.has(port)) port = await pick();
      ports[name] = port;
    }
    used.add(ports[name]);
  }
  return ports;
}

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { postgresDataDir } from '../production/postgres';
import type { SystemUser } from '../production/postgres-user';
import type { ComponentSpec, StackContext } from './component';

/**
 * PostgreSQL 15 from Debian, on loopback only, as its own system user, with its data in the stack
 * folder. It holds Temporal's persistence and visibility and Keycloak's realms.
 */
export function postgresqlComponent(ctx: StackContext, bin: string, user: SystemUser): ComponentSpec {
  const port = ctx.ports.postgresql;
  return {
    name: 'postgresql',
    process: {
      command: join(bin, 'postgres'),
      args: [
        '-D',
        postgresDataDir(ctx.dir),
        '-c',
        'listen_addresses=127.0.0.1',
        '-p',
        String(port),
        // TCP only: the default socket folder belongs to Debian's own cluster.
        '-c',
        'unix_socket_directories=',
        // Temporal's four services and Keycloak each keep a connection pool.
        '-c',
        'max_connections=300',
        // A local store: no fsync on every commit (like etcd's --unsafe-no-fsync here). A crash of
        // the machine may lose the last writes; a crash or restart of PostgreSQL does not.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      cwd: '/',
      uid: user.uid,
      gid: user.gid,
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
    },
    ready: () =>
      new Promise((resolvePromise) => {
        const check = spawn(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q'], { stdio: 'ignore' });
        check.on('error', () => resolvePromise(false));
        check.on('close', (code) => resolvePromise(code === 0));
      }),
    readyTimeoutMs: 60_000,
  };
}

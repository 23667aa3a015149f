import { spawnSync } from 'node:child_process';
import { StackError } from '../errors';

/** The system user PostgreSQL runs as: initdb and postgres refuse to run as root. */
const POSTGRES_SYSTEM_USER = 'kwp-postgres';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

function lookup(name: string): SystemUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The PostgreSQL user a production stack was started with. */
export function postgresUser(): SystemUser {
  const user = lookup(POSTGRES_SYSTEM_USER);
  if (!user) throw new StackError(`The system user ${POSTGRES_SYSTEM_USER} is gone; start the stack again ('npm run stack -- up --profile production').`);
  return user;
}

/**
 * The dedicated system user for the stack's PostgreSQL, created (no home, no login shell) when
 * missing. Creating it needs root; so does starting a process as another user.
 */
export function ensurePostgresUser(): SystemUser {
  if (process.getuid?.() !== 0) {
    throw new StackError(
      'The production profile runs PostgreSQL as its own system user, which needs root (PostgreSQL refuses to run as root, ' +
        'and only root can start a process as another user). Run the command as root.',
    );
  }
  const existing = lookup(POSTGRES_SYSTEM_USER);
  if (existing) return existing;
  const created = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', POSTGRES_SYSTEM_USER], { encoding: 'utf8' });
  if (created.status !== 0) throw new StackError(`Could not create the system user ${POSTGRES_SYSTEM_USER}: ${created.stderr.trim() || created.error?.message}`);
  return lookup(POSTGRES_SYSTEM_USER)!;
}

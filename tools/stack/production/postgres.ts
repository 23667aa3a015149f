import { spawnSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture } from '../command';
import { StackError } from '../errors';
import type { PostgresRole } from '../state';
import type { SystemUser } from './postgres-user';

/** The databases of the production profile and the role that owns each. */
export const DATABASES = { temporal: 'temporal', temporal_visibility: 'temporal', keycloak: 'keycloak' } as const;
type Database = keyof typeof DATABASES;

export function postgresDataDir(dir: string): string {
  return join(dir, 'postgresql', 'data');
}

/** The database roles' passwords and Keycloak's bootstrap admin password, which is stored in its database. */
export type StoredPasswords = Record<PostgresRole | 'keycloakAdmin', string>;

const passwordsFile = (dir: string) => join(dir, 'postgresql', 'passwords.json');

/** The passwords a production stack in `dir` was made with, for a component started again. */
export function readStoredPasswords(dir: string): StoredPasswords {
  if (!existsSync(passwordsFile(dir))) throw new StackError(`No ${passwordsFile(dir)}: ${dir} holds no production stack's data.`);
  return JSON.parse(readFileSync(passwordsFile(dir), 'utf8')) as StoredPasswords;
}

/**
 * Passwords made once per data folder and kept beside it (mode 0600, root's): the data holds them
 * (initdb sets the superuser's, Keycloak stores its first admin), so a stack started again on the
 * same data must reuse them.
 */
function storedPasswords(dir: string): StoredPasswords {
  if (existsSync(passwordsFile(dir))) return readStoredPasswords(dir);
  const make = () => randomBytes(18).toString('base64url');
  const made = { postgres: make(), temporal: make(), keycloak: make(), keycloakAdmin: make() };
  writeFileSync(passwordsFile(dir), JSON.stringify(made), { mode: 0o600 });
  return made;
}

/** Opens a root-owned folder to the PostgreSQL user's group for traversal only (no listing, nothing for others). */
function traversableBy(folder: string, user: SystemUser): void {
  chownSync(folder, 0, user.gid);
  chmodSync(folder, 0o710);
}

/**
 * Makes the data folder with initdb (as the PostgreSQL user) unless it exists, and returns the
 * stored passwords. The stack folder becomes traversable by that user's group; every folder above
 * it must already be open to it.
 */
export function initPostgres(dir: string, bin: string, user: SystemUser): StoredPasswords {
  const home = join(dir, 'postgresql');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  traversableBy(dir, user);
  traversableBy(home, user);
  if (spawnSync('test', ['-x', home], { uid: user.uid, gid: user.gid }).status !== 0) {
    throw new StackError(
      `PostgreSQL's user ${user.name} cannot reach ${home}: a folder above the stack folder is closed to other users ` +
        `(e.g. a clone under /root). Choose a stack folder under an open one, e.g. KWP_STACK_DIR=/tmp/kwp-stack.`,
    );
  }
  const made = storedPasswords(dir);
  rmSync(join(home, 'initdb-password'), { force: true });
  const data = postgresDataDir(dir);
  if (existsSync(join(data, 'PG_VERSION'))) return made;

  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { mode: 0o700 });
  chownSync(data, user.uid, user.gid);
  // initdb reads the superuser's password from a file (its standard input is a socket here, which
  // it cannot open by name): readable by its user only, and removed at once, even after a crash.
  const pwfile = join(home, 'initdb-password');
  writeFileSync(pwfile, made.postgres, { mode: 0o600 });
  chownSync(pwfile, user.uid, user.gid);
  try {
    const result = spawnSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'],
      { uid: user.uid, gid: user.gid, encoding: 'utf8', cwd: '/' },
    );
    if (result.status !== 0) throw new StackError(`initdb failed: ${result.stderr.trim() || result.stdout.trim() || result.error?.message}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
  return made;
}

/** Runs an SQL script with psql as the superuser (the script on stdin, the password in PGPASSWORD). */
export function psql(bin: string, port: number, superuserPassword: string, script: string, database = 'postgres'): Promise<string> {
  return capture(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt'], {
    env: { ...process.env, PGPASSWORD: superuserPassword },
    input: script,
  });
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, as libpq's
 * PQencryptPasswordConn makes it): sent instead of the password, which so never reaches the
 * server, its log or an error message.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Creates the roles and databases that are missing and sets the roles' passwords (as verifiers).
 */
export async function prepareDatabases(bin: string, port: number, made: StoredPasswords): Promise<void> {
  const existing = new Set((await psql(bin, port, made.postgres, 'SELECT datname FROM pg_database;')).split('\n').filter(Boolean));
  const roles = (['temporal', 'keycloak'] as const)
    .map((role) => `SELECT 'CREATE ROLE ${role} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}')\\gexec\nALTER ROLE ${role} PASSWORD '${scramVerifier(made[role])}';`)
    .join('\n');
  const databases = (Object.keys(DATABASES) as Database[])
    .filter((db) => !existing.has(db))
    .map((db) => `CREATE DATABASE ${db} OWNER ${DATABASES[db]};`)
    .join('\n');
  await psql(bin, port, made.postgres, `${roles}\n${databases}\n`);
}

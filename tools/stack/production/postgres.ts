import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors';
import type { PostgresRole } from '../state';
import type { SystemUser } from './postgres-user';

/** The databases of the production profile and the role that owns each. */
export const DATABASES = { temporal: 'temporal', temporal_visibility: 'temporal', keycloak: 'keycloak' } as const;
export type Database = keyof typeof DATABASES;

export function postgresDataDir(dir: string): string {
  return join(dir, 'postgresql', 'data');
}

/** The database roles' passwords and Keycloak's bootstrap admin password, which is stored in its database. */
export type StoredPasswords = Record<PostgresRole | 'keycloakAdmin', string>;

/**
 * Passwords made once per data folder and kept beside it (mode 0600, root's): the data holds them
 * (initdb sets the superuser's, Keycloak stores its first admin), so a stack started again on the
 * same data must reuse them.
 */
function storedPasswords(dir: string): StoredPasswords {
  const file = join(dir, 'postgresql', 'passwords.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StoredPasswords;
  const make = () => randomBytes(18).toString('base64url');
  const made = { postgres: make(), temporal: make(), keycloak: make(), keycloakAdmin: make() };
  writeFileSync(file, JSON.stringify(made), { mode: 0o600 });
  return made;
}

/**
 * Makes the data folder with initdb (as the PostgreSQL user) unless it exists, and returns the
 * roles' passwords. The stack folder becomes traversable (not readable) by that user.
 */
export function initPostgres(dir: string, bin: string, user: SystemUser): StoredPasswords {
  const home = join(dir, 'postgresql');
  mkdirSync(home, { recursive: true, mode: 0o711 });
  chmodSync(dir, 0o711);
  const made = storedPasswords(dir);
  const data = postgresDataDir(dir);
  if (existsSync(join(data, 'PG_VERSION'))) return made;

  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { mode: 0o700 });
  chownSync(data, user.uid, user.gid);
  const pwfile = join(home, 'superuser-password');
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

/** Runs an SQL script with psql as the superuser (the script on stdin, so no password is on a command line). */
export function psql(bin: string, port: number, superuserPassword: string, script: string, database = 'postgres'): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt'], {
      env: { ...process.env, PGPASSWORD: superuserPassword },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new StackError(`psql failed: ${err.trim()}`))));
    child.stdin.end(script);
  });
}

/**
 * Creates the roles and databases that are missing and sets the roles' passwords. Returns the
 * databases it created, whose schema is still to be set up.
 */
export async function prepareDatabases(bin: string, port: number, made: StoredPasswords): Promise<Database[]> {
  const existing = new Set((await psql(bin, port, made.postgres, 'SELECT datname FROM pg_database;')).split('\n').filter(Boolean));
  const roles = (['temporal', 'keycloak'] as const)
    .map((role) => `SELECT 'CREATE ROLE ${role} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}')\\gexec\nALTER ROLE ${role} PASSWORD '${made[role]}';`)
    .join('\n');
  const missing = (Object.keys(DATABASES) as Database[]).filter((db) => !existing.has(db));
  const databases = missing.map((db) => `CREATE DATABASE ${db} OWNER ${DATABASES[db]};`).join('\n');
  await psql(bin, port, made.postgres, `${roles}\n${databases}\n`);
  return missing;
}

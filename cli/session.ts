import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { PersonTokens, refreshPersonTokens } from '../config/person-sign-in';

/** Renewed when it has less than this left, so a command never starts with a token about to lapse. */
const RENEW_BEFORE_MS = 30_000;

/** Where `login` keeps the person's tokens: readable by them only. */
export function sessionFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'kagenti-waypoint', 'session.json');
}

export function saveSession(tokens: PersonTokens, file = sessionFile()): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function deleteSession(file = sessionFile()): boolean {
  const existed = existsSync(file);
  rmSync(file, { force: true });
  return existed;
}

/** The signed-in person's access token, renewed (and saved) first when it is about to expire; undefined without a session. */
export async function sessionToken(file = sessionFile()): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  let tokens = JSON.parse(readFileSync(file, 'utf8')) as PersonTokens;
  if (tokens.expiresAt - Date.now() < RENEW_BEFORE_MS) {
    tokens = await refreshPersonTokens(tokens);
    saveSession(tokens, file);
  }
  return tokens.accessToken;
}

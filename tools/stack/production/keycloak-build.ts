import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandFailed, runWithProgress } from '../command';
import { Progress } from '../progress';

/**
 * Keycloak's build-time options for the production profile: PostgreSQL, the health endpoints,
 * and a local (single-node) cache. `kc.sh start --optimized` then runs without a build step.
 */
export const KEYCLOAK_BUILD_OPTIONS = ['--db=postgres', '--health-enabled=true', '--cache=local'];

/** Where the production build of a Keycloak version is (or will be) in the cache. */
export function keycloakProductionHome(cache: string, version: string): string {
  return join(cache, `keycloak-${version}-postgres`);
}

/**
 * A copy of the Keycloak distribution with `kc.sh build` run for production, once per version into
 * `<cache>/keycloak-<version>-postgres/` (the build rewrites the distribution, so the development
 * profile's copy is left as it is). Built in a temporary folder renamed into place when complete.
 */
export async function ensureKeycloakProductionBuild(
  devHome: string,
  version: string,
  javaHome: string,
  cache: string,
): Promise<{ home: string; built: boolean; seconds: number }> {
  const home = keycloakProductionHome(cache, version);
  // Written last, so a build that was interrupted or made with other options is done again.
  const marker = (dir: string) => join(dir, 'kwp-build-options');
  if (existsSync(marker(home)) && readFileSync(marker(home), 'utf8') === KEYCLOAK_BUILD_OPTIONS.join(' ')) return { home, built: false, seconds: 0 };

  const tmp = `${home}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const progress = new Progress(`keycloak ${version} production build`);
  try {
    progress.update('copying the distribution');
    cpSync(devHome, tmp, { recursive: true });
    rmSync(join(tmp, 'data'), { recursive: true, force: true });
    progress.update(`kc.sh build ${KEYCLOAK_BUILD_OPTIONS.join(' ')}`);
    const result = await runWithProgress(join(tmp, 'bin', 'kc.sh'), ['build', ...KEYCLOAK_BUILD_OPTIONS], progress, { env: { ...process.env, JAVA_HOME: javaHome } });
    if (result.code !== 0) throw commandFailed('kc.sh build for the production profile', result, 15);
    writeFileSync(marker(tmp), KEYCLOAK_BUILD_OPTIONS.join(' '));
    rmSync(home, { recursive: true, force: true });
    renameSync(tmp, home);
  } finally {
    // A failed or interrupted build leaves no copy of the distribution behind.
    rmSync(tmp, { recursive: true, force: true });
  }
  progress.done('built');
  return { home, built: true, seconds: progress.elapsedSeconds() };
}

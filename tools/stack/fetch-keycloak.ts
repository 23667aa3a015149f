import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';
import { runMaven } from './maven';
import { Progress } from './progress';
import { unreachableRegistryLine } from './toolchain';

/**
 * Fetches and unpacks `org.keycloak:keycloak-quarkus-dist:<version>:tar.gz` from Maven Central
 * into `<cache>/keycloak-<version>/` once, and returns that folder (the Keycloak home).
 */
export async function ensureKeycloakDistribution(
  version: string,
  mvn: string,
  javaHome: string,
  cache: string,
): Promise<{ home: string; built: boolean; seconds: number }> {
  const home = join(cache, `keycloak-${version}`);
  if (existsSync(join(home, 'bin', 'kc.sh'))) return { home, built: false, seconds: 0 };

  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, `keycloak-${version}.partial-`));
  const progress = new Progress(`keycloak ${version}`);
  progress.update('fetching the distribution with Maven');
  const args = [
    '-B',
    'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack',
    `-Dartifact=org.keycloak:keycloak-quarkus-dist:${version}:tar.gz`,
    `-DoutputDirectory=${tmp}`,
  ];
  // Run outside any Maven project so that no pom.xml is picked up.
  const { code, output } = await runMaven(mvn, args, tmp, javaHome, progress);
  const unpacked = join(tmp, `keycloak-${version}`);
  if (code !== 0 || !existsSync(join(unpacked, 'bin', 'kc.sh'))) {
    rmSync(tmp, { recursive: true, force: true });
    const text = output.join('\n');
    const unreachable = unreachableRegistryLine(text);
    if (unreachable) throw new StackError(`Could not fetch Keycloak ${version}: Maven Central is unreachable: ${unreachable}`);
    throw new StackError(`Fetching Keycloak ${version} with Maven failed (exit ${code}):\n${output.slice(-20).join('\n')}`);
  }
  renameSync(unpacked, home);
  rmSync(tmp, { recursive: true, force: true });
  progress.done('fetched and unpacked');
  return { home, built: true, seconds: progress.elapsedSeconds() };
}

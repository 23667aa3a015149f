import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { StackError } from './errors';
import { VERSIONS } from './versions';

/** Absolute path of `name` on PATH, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function versionAtLeast(actual: string, minimum: string): boolean {
  const a = actual.split('.').map(Number);
  const m = minimum.split('.').map(Number);
  for (let i = 0; i < m.length; i++) {
    if ((a[i] ?? 0) !== m[i]) return (a[i] ?? 0) > m[i];
  }
  return true;
}

export interface GoToolchain {
  go: string;
  version: string;
}

/** The Go toolchain that builds the Kubernetes, etcd, kwok and Temporal binaries. */
export function findGo(env: NodeJS.ProcessEnv = process.env): GoToolchain {
  const go = which('go', env);
  if (!go) {
    throw new StackError(
      `Go ${VERSIONS.minimumGo} or newer is required to build the local Kubernetes and Temporal servers, ` +
        `but no 'go' command is on PATH. Install Go and run the command again.`,
    );
  }
  const out = spawnSync(go, ['env', 'GOVERSION'], { env: { ...env, GOTOOLCHAIN: 'local' }, encoding: 'utf8' });
  const version = (out.stdout ?? '').trim().replace(/^go/, '');
  if (out.status !== 0 || !version) {
    throw new StackError(`'${go} env GOVERSION' failed: ${(out.stderr ?? '').trim() || 'no output'}`);
  }
  if (!versionAtLeast(version, VERSIONS.minimumGo)) {
    throw new StackError(`Go ${VERSIONS.minimumGo} or newer is required, but '${go}' is Go ${version}.`);
  }
  return { go, version };
}

export interface JavaToolchain {
  javaHome: string;
  majorVersion: number;
}

function javaMajor(javaBin: string): number | undefined {
  const out = spawnSync(javaBin, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const match = /java\.specification\.version = (\d+)/.exec(`${out.stderr}${out.stdout}`);
  return match ? Number(match[1]) : undefined;
}

/** Java installations looked for when KWP_JAVA_HOME is not set; Keycloak 26.6+ recommends Java 25. */
export const WELL_KNOWN_JAVA_HOMES = ['/usr/lib/jvm/temurin-25-jdk-amd64'];

/**
 * The Java runtime for Keycloak: KWP_JAVA_HOME if set (and then only it), else a well-known
 * Java 25, then JAVA_HOME, then `java` on PATH.
 */
export function findJava(env: NodeJS.ProcessEnv = process.env, wellKnownHomes = WELL_KNOWN_JAVA_HOMES): JavaToolchain {
  if (env.KWP_JAVA_HOME) {
    const bin = join(env.KWP_JAVA_HOME, 'bin', 'java');
    const major = existsSync(bin) ? javaMajor(bin) : undefined;
    if (major !== undefined && major >= VERSIONS.minimumJava) return { javaHome: env.KWP_JAVA_HOME, majorVersion: major };
    throw new StackError(
      `KWP_JAVA_HOME=${env.KWP_JAVA_HOME} is not a Java ${VERSIONS.minimumJava}+ installation ` +
        (existsSync(bin) ? `(found Java ${major ?? 'of unknown version'})` : '(it has no bin/java)') +
        '. Point it at a JDK, or unset it to use the Java found on this machine.',
    );
  }
  const candidates = [...wellKnownHomes, env.JAVA_HOME].filter((home): home is string => Boolean(home));
  const onPath = which('java', env);
  const tried: string[] = [];
  for (const home of candidates) {
    const bin = join(home, 'bin', 'java');
    if (!existsSync(bin)) {
      tried.push(`${home} (no bin/java)`);
      continue;
    }
    const major = javaMajor(bin);
    if (major !== undefined && major >= VERSIONS.minimumJava) return { javaHome: home, majorVersion: major };
    tried.push(`${home} (Java ${major ?? 'unknown'})`);
  }
  if (onPath) {
    const major = javaMajor(onPath);
    if (major !== undefined && major >= VERSIONS.minimumJava) {
      return { javaHome: join(realpathSync(onPath), '..', '..'), majorVersion: major };
    }
    tried.push(`${onPath} (Java ${major ?? 'unknown'})`);
  }
  throw new StackError(
    `Java ${VERSIONS.minimumJava} or newer is required to run Keycloak, but none was found` +
      (tried.length ? `; tried: ${tried.join(', ')}` : ' (no JAVA_HOME, no java on PATH)') +
      '. Install a JDK (Java 25 recommended) or set KWP_JAVA_HOME.',
  );
}

/** Maven fetches the Keycloak distribution from Maven Central. */
export function findMaven(env: NodeJS.ProcessEnv = process.env): string {
  const mvn = which('mvn', env);
  if (!mvn) {
    throw new StackError(
      `Maven is required to fetch the Keycloak ${VERSIONS.keycloak} distribution, but no 'mvn' command is on PATH. ` +
        `Install Maven (Debian package 'maven') and run the command again.`,
    );
  }
  return mvn;
}

const UNREACHABLE = [
  /dial tcp[^\n]*/i,
  /no such host[^\n]*/i,
  /connection refused[^\n]*/i,
  /i\/o timeout[^\n]*/i,
  /Could not transfer artifact[^\n]*/i,
  /Connect to [^\n]* failed[^\n]*/i,
  /Unknown host[^\n]*/i,
  /TLS handshake timeout[^\n]*/i,
];

/** The line of a failed download's output that says a registry could not be reached, if any. */
export function unreachableRegistryLine(output: string): string | undefined {
  for (const pattern of UNREACHABLE) {
    const match = pattern.exec(output);
    if (match) return match[0].trim();
  }
  return undefined;
}

/** PostgreSQL from Debian's packages (postgresql-<major>), for the production profile. */
export const POSTGRES_BIN = `/usr/lib/postgresql/${VERSIONS.postgresqlMajor}/bin`;

/** The folder of PostgreSQL's server programs (initdb, postgres, pg_isready). */
export function findPostgres(bin = POSTGRES_BIN): string {
  for (const program of ['initdb', 'postgres', 'pg_isready', 'psql']) {
    if (!existsSync(join(bin, program))) {
      throw new StackError(
        `The production profile runs PostgreSQL 15, but ${join(bin, program)} is missing. ` +
          `Install Debian's 'postgresql-${VERSIONS.postgresqlMajor}' package (apt-get install postgresql-${VERSIONS.postgresqlMajor}) and run the command again.`,
      );
    }
  }
  return bin;
}

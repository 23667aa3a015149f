import { join } from 'node:path';
import { answers } from '../wait';
import type { ServingCertificate } from '../production/stack-ca';
import type { ComponentSpec, StackContext } from './component';

export const KEYCLOAK_ADMIN_USERNAME = 'admin';

/** JVM settings of both profiles' Keycloak. */
function javaEnvironment(ctx: StackContext): NodeJS.ProcessEnv {
  return {
    JAVA_HOME: ctx.artifacts.javaHome,
    JAVA_OPTS_KC_HEAP: '-XX:MaxRAMPercentage=10 -XX:InitialRAMPercentage=2',
    // The quick (C1) JIT compiler only, the usual setting for short-lived JVMs: a local server
    // spends more CPU compiling with C2 than the faster code gives back. Measured here: start-up
    // 26-29 CPU-s down to 19-20, and a burst of 200 registrations 19-23 CPU-s down to 17.
    JAVA_OPTS_APPEND: [process.env.JAVA_OPTS_APPEND, '-XX:TieredStopAtLevel=1'].filter(Boolean).join(' '),
  };
}

/** Keycloak in development mode with an in-memory database: a fresh realm store on every start. */
export function keycloakComponent(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.keycloak;
  const management = ctx.ports['keycloak-management'];
  return {
    name: 'keycloak',
    process: {
      command: join(ctx.artifacts.keycloakHome, 'bin', 'kc.sh'),
      args: [
        'start-dev',
        '--db=dev-mem',
        '--http-host=127.0.0.1',
        `--http-port=${port}`,
        `--http-management-port=${management}`,
        '--health-enabled=true',
        // One base URL everywhere, so token issuers match whoever asks.
        `--hostname=http://127.0.0.1:${port}`,
        '--cache=local',
      ],
      env: {
        ...process.env,
        ...javaEnvironment(ctx),
        KC_BOOTSTRAP_ADMIN_USERNAME: KEYCLOAK_ADMIN_USERNAME,
        KC_BOOTSTRAP_ADMIN_PASSWORD: ctx.keycloakAdminPassword,
      },
    },
    ready: () => answers(`http://127.0.0.1:${management}/health/ready`),
    readyTimeoutMs: 180_000,
  };
}

/** Options that only say where this stack's Keycloak listens (a compose file or a cluster sets its own). */
export const KEYCLOAK_LISTEN_OPTIONS = ['http-host', 'http-port', 'https-port', 'http-management-port'];

/** Keycloak's production-mode options for this stack (each also settable as KC_<OPTION> in the environment). */
export function keycloakProductionOptions(ctx: StackContext, tls: ServingCertificate): Record<string, string> {
  const port = ctx.ports.keycloak;
  return {
    'db-url': `jdbc:postgresql://127.0.0.1:${ctx.ports.postgresql}/keycloak`,
    'db-username': 'keycloak',
    'http-enabled': 'false',
    'http-host': '127.0.0.1',
    // Where plain HTTP would be served if it were enabled (a test checks nothing listens there).
    'http-port': String(ctx.ports['keycloak-http']),
    'https-port': String(port),
    'https-certificate-file': tls.certFile,
    'https-certificate-key-file': tls.keyFile,
    'http-management-port': String(ctx.ports['keycloak-management']),
    hostname: `https://127.0.0.1:${port}`,
  };
}

/** Secrets and the bootstrap admin, given through Keycloak's environment options, not on a command line. */
export const KEYCLOAK_PRODUCTION_ENVIRONMENT_KEYS = ['KC_DB_PASSWORD', 'KC_BOOTSTRAP_ADMIN_USERNAME', 'KC_BOOTSTRAP_ADMIN_PASSWORD'] as const;

/**
 * Keycloak in production mode (`kc.sh start --optimized` on the distribution built for it) on
 * PostgreSQL, serving HTTPS only with a certificate of the stack's CA: realms survive a restart.
 * The bootstrap admin is created on the first start only; later starts keep the stored one.
 */
export function keycloakProductionComponent(ctx: StackContext, tls: ServingCertificate, databasePassword: string): ComponentSpec {
  const environment: Record<(typeof KEYCLOAK_PRODUCTION_ENVIRONMENT_KEYS)[number], string> = {
    KC_DB_PASSWORD: databasePassword,
    KC_BOOTSTRAP_ADMIN_USERNAME: KEYCLOAK_ADMIN_USERNAME,
    KC_BOOTSTRAP_ADMIN_PASSWORD: ctx.keycloakAdminPassword,
  };
  return {
    name: 'keycloak',
    process: {
      command: join(ctx.artifacts.keycloakProductionHome, 'bin', 'kc.sh'),
      args: ['start', '--optimized', ...Object.entries(keycloakProductionOptions(ctx, tls)).map(([option, value]) => `--${option}=${value}`)],
      env: { ...process.env, ...javaEnvironment(ctx), ...environment },
    },
    // The management interface serves HTTPS too once TLS is configured; the stack's CA is trusted.
    ready: () => answers(`https://127.0.0.1:${ctx.ports['keycloak-management']}/health/ready`),
    readyTimeoutMs: 180_000,
  };
}

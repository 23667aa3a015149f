import { join } from 'node:path';
import { answers } from '../wait';
import type { ComponentSpec, StackContext } from './component';

export const KEYCLOAK_ADMIN_USERNAME = 'admin';

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
        JAVA_HOME: ctx.artifacts.javaHome,
        KC_BOOTSTRAP_ADMIN_USERNAME: KEYCLOAK_ADMIN_USERNAME,
        KC_BOOTSTRAP_ADMIN_PASSWORD: ctx.keycloakAdminPassword,
        JAVA_OPTS_KC_HEAP: '-XX:MaxRAMPercentage=10 -XX:InitialRAMPercentage=2',
        // The quick (C1) JIT compiler only, the usual setting for short-lived JVMs: a local server
        // spends more CPU compiling with C2 than the faster code gives back. Measured here: start-up
        // 26-29 CPU-s down to 19-20, and a burst of 200 registrations 19-23 CPU-s down to 17.
        JAVA_OPTS_APPEND: [process.env.JAVA_OPTS_APPEND, '-XX:TieredStopAtLevel=1'].filter(Boolean).join(' '),
      },
    },
    ready: () => answers(`http://127.0.0.1:${management}/health/ready`),
    readyTimeoutMs: 180_000,
  };
}

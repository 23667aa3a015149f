import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readSecretFile } from '../../../config/temporal-credentials';
import type { ProductionContext } from '../production/context';
import { temporalRealmUrls } from '../state';
import { answers } from '../wait';
import type { ComponentSpec, StackContext } from './component';

/**
 * The UI server on loopback, pointed at the stack's frontend, as the temporalio/ui image runs it:
 * its own process, configured by config/production.yaml under the stack folder. `secured` adds what
 * the profile asks of it (TLS to the frontend, people signing in), given the UI's own origin.
 */
function uiComponent(ctx: StackContext, namespace: string, secured: (origin: string) => object = () => ({}), env: NodeJS.ProcessEnv = process.env): ComponentSpec {
  const port = ctx.ports['temporal-ui'];
  const origin = `http://127.0.0.1:${port}`;
  const root = join(ctx.dir, 'temporal-ui');
  mkdirSync(join(root, 'config'), { recursive: true, mode: 0o700 });
  const config = {
    temporalGrpcAddress: `127.0.0.1:${ctx.ports.temporal}`,
    host: '127.0.0.1',
    port,
    enableUi: true,
    defaultNamespace: namespace,
    notifyOnNewVersion: false,
    // Plain HTTP on loopback: the session cookies cannot be Secure.
    cors: { allowOrigins: [origin], cookieInsecure: true },
    ...secured(origin),
  };
  // On the production profile it holds the UI client's secret: readable by root only.
  writeFileSync(join(root, 'config', 'production.yaml'), stringify(config), { mode: 0o600 });
  return {
    name: 'temporal-ui',
    process: { command: ctx.artifacts.temporalUi, args: ['--root', root, '--config', 'config', '--env', 'production', 'start'], cwd: root, env },
    // The one API route that answers without a signed-in person.
    ready: () => answers(`${origin}/api/v1/settings`),
    readyTimeoutMs: 60_000,
  };
}

/** The development profile's Web UI: open to anyone on loopback, as the CLI's dev server's is. */
export function temporalDevelopmentUiComponent(ctx: StackContext, namespace: string): ComponentSpec {
  return uiComponent(ctx, namespace);
}

/**
 * The Temporal Web UI server (github.com/temporalio/ui-server) beside
 * the production profile's Temporal server, as the temporalio/ui image runs it: its own process,
 * on loopback, reaching the frontend over TLS. People sign in through Keycloak (the realm of who
 * may act on Temporal); the UI sends each person's own token, so the frontend's authorizer decides
 * what they may do there. It must start after that realm exists: it reads Keycloak's discovery
 * document when it starts.
 */
export function temporalUiComponent(ctx: StackContext, namespace: string, production: ProductionContext): ComponentSpec {
  const { temporalAccess: access, temporalTls, keycloakTls } = production;
  const secured = (origin: string) => ({
    // Without enableHostVerification the UI server would not check the frontend's certificate at all.
    tls: { caFile: temporalTls.caFile, enableHostVerification: true },
    auth: {
      enabled: true,
      providers: [
        {
          label: 'Keycloak',
          type: 'oidc',
          providerUrl: temporalRealmUrls(access).issuer,
          clientId: access.ui.clientId,
          clientSecret: readSecretFile(access.ui.secretFile, 'the Web UI client secret file'),
          callbackUrl: `${origin}/auth/sso/callback`,
          scopes: ['openid', 'profile', 'email'],
        },
      ],
    },
  });
  // Go reads its trusted CAs from here: the stack's, for Keycloak's discovery document.
  return uiComponent(ctx, namespace, secured, { ...process.env, SSL_CERT_FILE: keycloakTls.caFile });
}

import { Connection } from '@temporalio/client';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ServingCertificate, STACK_TLS_SERVER_NAME } from '../production/stack-ca';
import type { ComponentSpec, StackContext } from './component';
import { TEMPORAL_DYNAMIC_CONFIG } from './temporal';

/** The default services and the internal frontend, which is not one of them. */
const SERVICES = ['frontend', 'internal-frontend', 'history', 'matching', 'worker'];

/** Where the production profile keeps the Temporal server's configuration (config/production.yaml). */
function temporalRoot(dir: string): string {
  return join(dir, 'temporal-server');
}

function sqlStore(database: string, port: number, password: string, maxConns: number): object {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${port}`,
      connectProtocol: 'tcp',
      user: 'temporal',
      password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

/**
 * The server's configuration: PostgreSQL for persistence and for visibility (SQL visibility, where
 * custom search attributes live in fixed columns), the services on loopback ports, the frontend
 * behind TLS and Temporal's JWT authorizer.
 */
function serverConfig(ctx: StackContext, password: string, tls: ServingCertificate, access: TemporalServerAccess): object {
  const p = ctx.ports;
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: {
        'postgres-default': sqlStore('temporal', p.postgresql, password, 20),
        'postgres-visibility': sqlStore('temporal_visibility', p.postgresql, password, 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${p['temporal-metrics']}` } },
      // Clients reach the frontend over TLS only, with a Keycloak token (no client certificate asked).
      tls: { frontend: { server: { certFile: tls.certFile, keyFile: tls.keyFile, requireClientAuth: false } } },
      authorization: {
        jwtKeyProvider: { keySourceURIs: [access.jwksUrl], refreshInterval: JWKS_REFRESH },
        permissionsClaimName: 'permissions',
        audience: access.audience,
        authorizer: 'default',
        claimMapper: 'default',
      },
    },
    services: {
      frontend: service(p.temporal, p['temporal-membership'], { httpPort: p['temporal-http'] }),
      // The server's own services call this one, which grants them everything: without it they
      // would call the frontend with no token and be refused.
      'internal-frontend': service(p['temporal-internal-frontend'], p['temporal-internal-frontend-membership']),
      history: service(p['temporal-history'], p['temporal-history-membership']),
      matching: service(p['temporal-matching'], p['temporal-matching-membership']),
      worker: service(p['temporal-worker'], p['temporal-worker-membership']),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${p.temporal}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: join(temporalRoot(ctx.dir), 'config', 'dynamicconfig.yaml'), pollInterval: '60s' },
  };
}

/** How often the server reads Keycloak's signing keys again; it does not look again for a key it does not know. */
export const JWKS_REFRESH = '15s';

/** What the authorizer checks: tokens signed by a key of `jwksUrl` and naming `audience`. */
export interface TemporalServerAccess {
  jwksUrl: string;
  audience: string;
}

/**
 * The Temporal server (go.temporal.io/server, the version the CLI embeds) running its frontend,
 * internal frontend, history, matching and worker services in one process on PostgreSQL. Its schema is set up before
 * it starts (production/temporal-schema.ts); its namespace and search attributes after.
 */
export function temporalServerComponent(ctx: StackContext, postgresPassword: string, tls: ServingCertificate, access: TemporalServerAccess): ComponentSpec {
  const root = temporalRoot(ctx.dir);
  mkdirSync(join(root, 'config'), { recursive: true, mode: 0o700 });
  // It holds the database password: readable by root only.
  writeFileSync(join(root, 'config', 'production.yaml'), stringify(serverConfig(ctx, postgresPassword, tls, access)), { mode: 0o600 });
  const dynamicConfig = Object.fromEntries(TEMPORAL_DYNAMIC_CONFIG.map(([key, value]) => [key, [{ value }]]));
  writeFileSync(join(root, 'config', 'dynamicconfig.yaml'), stringify(dynamicConfig), { mode: 0o600 });
  const address = `127.0.0.1:${ctx.ports.temporal}`;
  const serverRootCACertificate = readFileSync(tls.caFile);
  return {
    name: 'temporal',
    process: {
      command: ctx.artifacts.temporalServer,
      args: ['--root', root, '--config', 'config', '--env', 'production', 'start', ...SERVICES.map((name) => `--service=${name}`)],
      cwd: root,
      // Go reads its trusted CAs from here: the stack's, which signed Keycloak's certificate too (the keys are read over HTTPS).
      env: { ...process.env, SSL_CERT_FILE: tls.caFile },
    },
    // GetSystemInfo is one of the two calls the authorizer allows without a token.
    ready: async () => {
      const connection = await Connection.connect({ address, connectTimeout: 2000, tls: { serverRootCACertificate, serverNameOverride: STACK_TLS_SERVER_NAME } });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    readyTimeoutMs: 120_000,
  };
}

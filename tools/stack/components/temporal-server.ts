import { Connection } from '@temporalio/client';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ServingCertificate, STACK_TLS_SERVER_NAME } from '../production/stack-ca';
import { VERSIONS } from '../versions';
import type { ComponentSpec, StackContext } from './component';
import { TEMPORAL_DYNAMIC_CONFIG } from './temporal';

/** The production profile's services: the default ones and the internal frontend, which is not one of them. */
const PRODUCTION_SERVICES = ['frontend', 'internal-frontend', 'history', 'matching', 'worker'];
/** The development profile's: the default ones (no authorizer, so no internal frontend). */
const DEVELOPMENT_SERVICES = ['frontend', 'history', 'matching', 'worker'];

/** Where the stack keeps the Temporal server's configuration (config/production.yaml). */
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

/** PostgreSQL for persistence and for visibility (SQL visibility: custom search attributes live in fixed columns). */
function postgresPersistence(ctx: StackContext, password: string): object {
  return {
    defaultStore: 'postgres-default',
    visibilityStore: 'postgres-visibility',
    numHistoryShards: 4,
    datastores: {
      'postgres-default': sqlStore('temporal', ctx.ports.postgresql, password, 20),
      'postgres-visibility': sqlStore('temporal_visibility', ctx.ports.postgresql, password, 4),
    },
  };
}

/**
 * One SQLite file for persistence and visibility, as the CLI's dev server keeps it: its schema set
 * up by the server on its first start. A local development store: write-ahead log without fsync on
 * every commit (like etcd's --unsafe-no-fsync here); a crash of the machine may lose the last
 * writes, a crash of a process does not. The file is named for the server's version: SQLite's
 * schema has no upgrade path, so a new server starts on a new file (the watcher provisions again).
 */
function sqlitePersistence(ctx: StackContext): object {
  const connectAttributes = { mode: 'rwc', setup: 'true', journal_mode: 'wal', synchronous: 'off' };
  return {
    defaultStore: 'sqlite-default',
    visibilityStore: 'sqlite-default',
    numHistoryShards: 1,
    datastores: { 'sqlite-default': { sql: { pluginName: 'sqlite', databaseName: join(ctx.dir, `temporal-${VERSIONS.temporalServer}.sqlite`), connectAddr: 'localhost', connectProtocol: 'tcp', connectAttributes } } },
  };
}

/** The services on loopback ports, the cluster of one, metrics and the dynamic config file: the same on both profiles. */
function serverConfig(ctx: StackContext, services: string[], persistence: object, global: object = {}): object {
  const p = ctx.ports;
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  const all: Record<string, object> = {
    frontend: service(p.temporal, p['temporal-membership'], { httpPort: p['temporal-http'] }),
    // The server's own services call this one, which grants them everything: without it they
    // would call the frontend with no token and be refused.
    'internal-frontend': service(p['temporal-internal-frontend'], p['temporal-internal-frontend-membership']),
    history: service(p['temporal-history'], p['temporal-history-membership']),
    matching: service(p['temporal-matching'], p['temporal-matching-membership']),
    worker: service(p['temporal-worker'], p['temporal-worker-membership']),
  };
  return {
    log: { stdout: true, level: 'warn' },
    persistence,
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${p['temporal-metrics']}` } },
      ...global,
    },
    services: Object.fromEntries(services.map((name) => [name, all[name]])),
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

/** The production profile's security: the frontend behind TLS and Temporal's JWT authorizer. */
function productionSecurity(tls: ServingCertificate, access: TemporalServerAccess): object {
  return {
    // Clients reach the frontend over TLS only, with a Keycloak token (no client certificate asked).
    tls: { frontend: { server: { certFile: tls.certFile, keyFile: tls.keyFile, requireClientAuth: false } } },
    authorization: {
      jwtKeyProvider: { keySourceURIs: [access.jwksUrl], refreshInterval: JWKS_REFRESH },
      permissionsClaimName: 'permissions',
      audience: access.audience,
      authorizer: 'default',
      claimMapper: 'default',
    },
  };
}

/** How often the server reads Keycloak's signing keys again; it does not look again for a key it does not know. */
export const JWKS_REFRESH = '15s';

/** What the authorizer checks: tokens signed by a key of `jwksUrl` and naming `audience`. */
export interface TemporalServerAccess {
  jwksUrl: string;
  audience: string;
}

/** Writes the server's configuration and dynamic config under the stack folder; returns its root. */
function writeServerConfig(ctx: StackContext, config: object): string {
  const root = temporalRoot(ctx.dir);
  mkdirSync(join(root, 'config'), { recursive: true, mode: 0o700 });
  // On the production profile it holds the database password: readable by root only.
  writeFileSync(join(root, 'config', 'production.yaml'), stringify(config), { mode: 0o600 });
  const dynamicConfig = Object.fromEntries(TEMPORAL_DYNAMIC_CONFIG.map(([key, value]) => [key, [{ value }]]));
  writeFileSync(join(root, 'config', 'dynamicconfig.yaml'), stringify(dynamicConfig), { mode: 0o600 });
  return root;
}

function serverProcess(ctx: StackContext, root: string, services: string[], env: NodeJS.ProcessEnv = process.env): ComponentSpec['process'] {
  return { command: ctx.artifacts.temporalServer, args: ['--root', root, '--config', 'config', '--env', 'production', 'start', ...services.map((name) => `--service=${name}`)], cwd: root, env };
}

/** Answers once the frontend does; GetSystemInfo is one of the two calls the authorizer allows without a token. */
async function frontendAnswers(address: string, tls?: { serverRootCACertificate: Buffer; serverNameOverride: string }): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000, ...(tls ? { tls } : {}) });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/**
 * The development profile's Temporal server: go.temporal.io/server (the production profile's
 * build) on one SQLite file, no TLS, no authorizer, on loopback only. A newer server than the CLI's
 * dev server (1.29.1 in CLI 1.5.1, whose later tags cannot be built from the module proxy): worker
 * versioning's upgrade on continue-as-new needs 1.32. Its namespace and search attributes are
 * registered after it starts, as on the production profile; the Web UI is its own process.
 */
export function temporalDevelopmentServerComponent(ctx: StackContext): ComponentSpec {
  const root = writeServerConfig(ctx, serverConfig(ctx, DEVELOPMENT_SERVICES, sqlitePersistence(ctx)));
  return {
    name: 'temporal',
    process: serverProcess(ctx, root, DEVELOPMENT_SERVICES),
    ready: () => frontendAnswers(`127.0.0.1:${ctx.ports.temporal}`),
    readyTimeoutMs: 120_000,
  };
}

/**
 * The production profile's Temporal server (go.temporal.io/server) running its frontend, internal
 * frontend, history, matching and worker services in one process on PostgreSQL, the frontend
 * behind TLS and the JWT authorizer. Its schema is set up before it starts
 * (production/temporal-schema.ts); its namespace and search attributes after.
 */
export function temporalServerComponent(ctx: StackContext, postgresPassword: string, tls: ServingCertificate, access: TemporalServerAccess): ComponentSpec {
  const root = writeServerConfig(ctx, serverConfig(ctx, PRODUCTION_SERVICES, postgresPersistence(ctx, postgresPassword), productionSecurity(tls, access)));
  const serverRootCACertificate = readFileSync(tls.caFile);
  return {
    name: 'temporal',
    // Go reads its trusted CAs from here: the stack's, which signed Keycloak's certificate too (the keys are read over HTTPS).
    process: serverProcess(ctx, root, PRODUCTION_SERVICES, { ...process.env, SSL_CERT_FILE: tls.caFile }),
    ready: () => frontendAnswers(`127.0.0.1:${ctx.ports.temporal}`, { serverRootCACertificate, serverNameOverride: STACK_TLS_SERVER_NAME }),
    readyTimeoutMs: 120_000,
  };
}

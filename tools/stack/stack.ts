import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackContext, ComponentSpec } from './components/component';
import { auditLogPath } from './components/kube-apiserver';
import { KEYCLOAK_ADMIN_USERNAME } from './components/keycloak';
import { componentSpec } from './components/specs';
import { TEMPORAL_NAMESPACE } from './components/temporal';
import { StackError } from './errors';
import { bootstrapStackKeycloak, KAGENTI_REALM, PLATFORM_CLIENT_ID } from './keycloak-bootstrap';
import { PROVISIONER_CLIENT_ID } from '../keycloak/provisioner-identity';
import { bootstrapKubernetes } from './kube-bootstrap';
import { writeKubeconfigs, writeKubePki } from './kube-pki';
import { allocatePorts } from './ports';
import { isAlive, killProcess, startProcess, stopProcess, tailOf } from './process';
import { checkProductionPrerequisites, ProductionContext, productionContext, runningProductionContext } from './production/context';
import { prepareDatabases } from './production/postgres';
import { writeExtraCaBundle } from './production/stack-ca';
import { setUpTemporalSchema } from './production/temporal-schema';
import { registerTemporalNamespace } from './temporal-namespace';
import { say } from './progress';
import { ensureArtifacts } from './setup';
import { writeInjectorCertificate } from './sidecar-injector/certificate';
import { registerSidecarInjector, SIDECAR_INJECTOR_WEBHOOK_CONFIG } from './sidecar-injector/webhook-config';
import { ComponentName, componentsOf, PORT_NAMES, SMALL_PORT_NAMES, Profile, profileOf, readState, StackState, stateFile, writeState } from './state';
import { waitUntil } from './wait';

const STOP_ORDER: ComponentName[] = [
  'istiod',
  'kwok',
  'kube-scheduler',
  'kube-controller-manager',
  'kube-apiserver',
  'etcd',
  // After the apiserver, which calls it on every agent pod creation.
  'sidecar-injector',
  'temporal-ui',
  'keycloak',
  'temporal',
  // Last: Temporal and Keycloak hold connections to it.
  'postgresql',
];

/**
 * How each component is asked to stop: SIGTERM, except PostgreSQL, whose SIGTERM is a "smart"
 * shutdown that waits for every client to leave (Temporal's and Keycloak's pools never do); SIGINT
 * is its fast shutdown, what `pg_ctl stop` does by default.
 */
function stopSignal(name: ComponentName): NodeJS.Signals {
  return name === 'postgresql' ? 'SIGINT' : 'SIGTERM';
}

/** A component that failed to start: named, with the tail of its log. */
function startFailure(name: ComponentName, reason: string, logFile: string): StackError {
  return new StackError(`${name} failed to start: ${reason}\n--- last lines of ${logFile} ---\n${tailOf(logFile)}`);
}

async function startComponent(spec: ComponentSpec, state: StackState, startupSeconds: Record<string, number>): Promise<void> {
  const started = Date.now();
  const logFile = join(state.dir, 'logs', `${spec.name}.log`);
  let pid: number;
  try {
    pid = startProcess({ name: spec.name, logFile, ...spec.process });
  } catch (error) {
    throw startFailure(spec.name, (error as Error).message, logFile);
  }
  state.components[spec.name] = { pid, logFile };
  writeState(state);
  const result = await waitUntil(spec.ready, { timeoutMs: spec.readyTimeoutMs, intervalMs: 250, alive: () => isAlive(pid) });
  if (result === 'exited') throw startFailure(spec.name, 'the process exited', logFile);
  if (result === 'timeout') throw startFailure(spec.name, `not ready within ${spec.readyTimeoutMs / 1000} s`, logFile);
  startupSeconds[spec.name] = (Date.now() - started) / 1000;
  say(`  ${spec.name} ready in ${startupSeconds[spec.name].toFixed(1)} s`);
}

/** True when a recorded stack has every component still running. */
function isRunning(state: StackState | undefined): state is StackState {
  return Boolean(state && componentsOf(state).every((name) => state.components[name] && isAlive(state.components[name]!.pid)));
}

export interface UpOptions {
  /** Start from empty data (etcd, Temporal's SQLite file, PostgreSQL) instead of reusing the stack folder's. */
  fresh?: boolean;
  /** `development` (the default) or `production`. */
  profile?: Profile;
}

/**
 * Starts the whole stack on loopback and returns its state. Reuses a stack that is already fully
 * running in `dir`. On failure stops whatever it started and names the component that failed.
 */
// Longer than most: the components start in dependency order and each failure must stop what
// started before it, which one sequence shows more plainly than a chain of helpers.
export async function up(dir: string, options: UpOptions = {}): Promise<StackState> {
  const profile = options.profile ?? 'development';
  const existing = readState(dir);
  if (isRunning(existing)) {
    if (profileOf(existing) !== profile) {
      throw new StackError(`A ${profileOf(existing)} stack runs in ${dir}; stop it ('npm run stack -- down') before starting a ${profile} one.`);
    }
    say(`Stack already running (${stateFile(dir)})`);
    return existing;
  }
  if (existing) await down(dir);

  // What only root and Debian's PostgreSQL allow is checked before a set-up that may take minutes.
  if (profile === 'production') checkProductionPrerequisites();
  const artifacts = await ensureArtifacts([profile]);
  const upStarted = Date.now();
  if (options.fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const ports = await allocatePorts(PORT_NAMES, process.env, SMALL_PORT_NAMES);
  const tokens = writeKubePki(dir);
  await writeInjectorCertificate(dir);
  const keycloakScheme = profile === 'production' ? 'https' : 'http';
  const keycloakUrl = `${keycloakScheme}://127.0.0.1:${ports.keycloak}`;
  const production = profile === 'production' ? await productionContext(dir, keycloakUrl) : undefined;
  const ctx: StackContext = {
    dir,
    artifacts,
    ports,
    adminToken: tokens.admin,
    // Production keeps its admin in PostgreSQL, made on the first start: the same password each time.
    keycloakAdminPassword: production?.passwords.keycloakAdmin ?? randomBytes(18).toString('base64url'),
  };
  const server = `https://127.0.0.1:${ports['kube-apiserver']}`;
  const state: StackState = {
    dir,
    profile,
    startedAt: new Date().toISOString(),
    ports,
    components: {},
    temporal: {
      address: `127.0.0.1:${ports.temporal}`,
      namespace: TEMPORAL_NAMESPACE,
      uiUrl: `http://127.0.0.1:${ports['temporal-ui']}`,
      cli: artifacts.temporal,
      ...(production ? { tls: { caFile: production.temporalTls.caFile }, access: production.temporalAccess } : {}),
    },
    kubernetes: {
      server,
      kubeconfig: join(dir, 'kubeconfigs', 'admin.kubeconfig'),
      caFile: join(dir, 'pki', 'apiserver.crt'),
      adminToken: tokens.admin,
      auditLog: auditLogPath(dir),
    },
    keycloak: {
      url: keycloakUrl,
      realm: KAGENTI_REALM,
      adminUsername: KEYCLOAK_ADMIN_USERNAME,
      adminPassword: ctx.keycloakAdminPassword,
      platformClientId: PLATFORM_CLIENT_ID,
      provisioner: { clientId: PROVISIONER_CLIENT_ID, clientSecret: randomBytes(24).toString('base64url') },
      ...(production ? { caFile: production.keycloakTls.caFile } : {}),
    },
    ...(production ? productionState(dir, production) : {}),
  };
  writeState(state);
  say(`Starting the ${profile} stack in ${dir}`);
  const startupSeconds: Record<string, number> = {};

  const start = (name: ComponentName) => startComponent(componentSpec(name, ctx, production), state, startupSeconds);
  const injector = start('sidecar-injector');
  const kubernetes = async (): Promise<void> => {
    await start('etcd');
    await start('kube-apiserver');
    writeKubeconfigs(dir, server, tokens);
    await bootstrapKubernetes(state.kubernetes.kubeconfig, artifacts.istioManifests);
    // Registered once the injector answers (it is up long before the apiserver) and before the
    // controllers run, so no agent pod is refused for want of it or created without it.
    await injector;
    await registerSidecarInjector(state.kubernetes.kubeconfig, dir, ports['sidecar-injector']);
    say(`  sidecar-injector registered (MutatingWebhookConfiguration ${SIDECAR_INJECTOR_WEBHOOK_CONFIG})`);
    await Promise.all([start('kube-controller-manager'), start('kube-scheduler'), start('kwok'), start('istiod')]);
  };
  // Once, whoever asks first: Temporal's authorizer trusts the keys of a realm the bootstrap makes.
  let keycloakStarted: Promise<void> | undefined;
  const keycloak = (): Promise<void> =>
    (keycloakStarted ??= (async () => {
      await start('keycloak');
      await bootstrapStackKeycloak(state);
    })());
  const temporal = async (): Promise<void> => {
    // Production: after Keycloak's realms exist, so the server's first read of their keys succeeds.
    if (production) await keycloak();
    await start('temporal');
    await registerTemporalNamespace(state.temporal);
    await start('temporal-ui');
  };
  // Production: PostgreSQL first, with the databases and Temporal's schema, then both servers on it.
  const servers = production ? startOnPostgres(ctx, production, start, [temporal, keycloak]) : Promise.all([temporal(), keycloak()]);
  const results = await Promise.allSettled([kubernetes(), injector, servers]);
  // A failed injector also fails the Kubernetes start, which waits for it: report it once.
  const failures = [...new Set(results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error))];
  if (failures.length > 0) {
    await down(dir);
    throw failures[0] instanceof StackError && failures.length === 1
      ? failures[0]
      : new StackError(failures.map((f) => f.message).join('\n\n'));
  }
  say(`Stack up in ${((Date.now() - upStarted) / 1000).toFixed(1)} s. Temporal UI: ${state.temporal.uiUrl}`);
  return state;
}

/** What a production stack's clients need besides the common state: the CAs to trust, the database passwords. */
function productionState(dir: string, production: ProductionContext): Pick<StackState, 'extraCaCerts' | 'postgresql'> {
  const { postgres, temporal, keycloak } = production.passwords;
  return { extraCaCerts: writeExtraCaBundle(dir, production.keycloakTls.caFile), postgresql: { passwords: { postgres, temporal, keycloak } } };
}

/** PostgreSQL first, then its databases and Temporal's schema, then Temporal and Keycloak side by side. */
async function startOnPostgres(
  ctx: StackContext,
  production: ProductionContext,
  start: (name: ComponentName) => Promise<void>,
  servers: Array<() => Promise<void>>,
): Promise<void> {
  await start('postgresql');
  const started = Date.now();
  const { postgresBin: bin, passwords } = production;
  const port = ctx.ports.postgresql;
  await prepareDatabases(bin, port, passwords);
  await setUpTemporalSchema(ctx.artifacts.temporalSql, port, passwords.temporal);
  say(`  postgresql: databases and Temporal's schema ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Settled, not raced: a failure must not leave the other server starting after the stack is stopped.
  const results = await Promise.allSettled(servers.map((server) => server()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function runningState(dir: string, name: ComponentName): StackState {
  const state = readState(dir);
  if (!state || !state.components[name]) throw new StackError(`No ${name} recorded in ${dir}`);
  return state;
}

/** Stops one component of a running stack, leaving the others running (for tests of a server gone away). */
export async function stopComponent(dir: string, name: ComponentName): Promise<void> {
  await stopProcess(runningState(dir, name).components[name]!.pid, undefined, stopSignal(name));
}

/** SIGKILLs one component of a running stack (no chance to shut down cleanly), for crash tests. */
export async function killComponent(dir: string, name: ComponentName): Promise<void> {
  await killProcess(runningState(dir, name).components[name]!.pid);
}

/**
 * Starts one stopped component of a stack again on the same ports. The development profile's
 * Keycloak keeps nothing across a restart (in-memory database), so its realm and platform client
 * are created again (a no-op on the production profile's, which keeps them in PostgreSQL).
 */
export async function startStoppedComponent(dir: string, name: ComponentName): Promise<void> {
  const state = runningState(dir, name);
  if (isAlive(state.components[name]!.pid)) throw new StackError(`${name} is already running (pid ${state.components[name]!.pid})`);
  const production = profileOf(state) === 'production' ? runningProductionContext(state) : undefined;
  const ctx: StackContext = {
    dir,
    artifacts: await ensureArtifacts([profileOf(state)]),
    ports: state.ports,
    adminToken: state.kubernetes.adminToken,
    keycloakAdminPassword: state.keycloak.adminPassword,
  };
  await startComponent(componentSpec(name, ctx, production), state, {});
  if (name === 'keycloak') await bootstrapStackKeycloak(state);
}

/** Stops one component of a running stack and starts it again on the same ports, for tests of how clients live through a server restart. */
export async function restart(dir: string, name: ComponentName): Promise<void> {
  await stopComponent(dir, name);
  await startStoppedComponent(dir, name);
}

/** Stops every component recorded in `dir` and leaves no process behind. */
export async function down(dir: string): Promise<void> {
  const state = readState(dir);
  if (!state) return;
  for (const name of STOP_ORDER) {
    const component = state.components[name];
    if (component) await stopProcess(component.pid, undefined, stopSignal(name));
  }
  rmSync(stateFile(dir), { force: true });
}

export interface ComponentStatus {
  name: ComponentName;
  pid?: number;
  running: boolean;
}

export function status(dir: string): { state?: StackState; components: ComponentStatus[] } {
  const state = readState(dir);
  return {
    state,
    components: (state ? componentsOf(state) : []).map((name) => {
      const pid = state?.components[name]?.pid;
      return { name, pid, running: pid !== undefined && isAlive(pid) };
    }),
  };
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployedNodeOptions } from '../../tools/compiled';
import { ensureGoBinaries } from '../../tools/stack/build-go';
import { cacheDir } from '../../tools/stack/paths';
import { GO_BUILDS } from '../../tools/stack/setup';
import { findGo } from '../../tools/stack/toolchain';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { FLAGS } from '../../config/settings';
import type { StackContext } from '../../tools/stack/components/component';
import { KEYCLOAK_LISTEN_OPTIONS, KEYCLOAK_PRODUCTION_ENVIRONMENT_KEYS, keycloakProductionOptions } from '../../tools/stack/components/keycloak';
import { KEYCLOAK_BUILD_OPTIONS } from '../../tools/stack/production/keycloak-build';
import { TEMPORAL_SCHEMAS } from '../../tools/stack/production/temporal-schema';
import { KUBERNETES_COMPONENTS, PROFILE_COMPONENTS, stackEnvironment, StackState } from '../../tools/stack/state';
import { VERSIONS } from '../../tools/stack/versions';

const REPO = join(__dirname, '..', '..');

// Only the option names and variable names of these are compared, not their values.
const PLACEHOLDER_TLS = { caFile: 'ca.crt', certFile: 'tls.crt', keyFile: 'tls.key' };
const PLACEHOLDER_CONTEXT = { ports: { keycloak: 1, postgresql: 2, 'keycloak-management': 3 } } as unknown as StackContext;
const PLACEHOLDER_STATE = {
  dir: '.stack',
  profile: 'production',
  temporal: { address: 'a', namespace: 'n', uiUrl: 'u' },
  kubernetes: { kubeconfig: 'k' },
  keycloak: { url: 'https://k', realm: 'r', caFile: 'ca.crt' },
  extraCaCerts: 'extra-ca-certs.pem',
} as unknown as StackState;

interface ResolvedProject {
  services: Record<
    string,
    {
      image?: string;
      build?: { context: string };
      command?: string[];
      environment?: Record<string, string>;
      volumes?: { source: string; target: string; read_only?: boolean }[];
      deploy?: { replicas?: number };
    }
  >;
}

/**
 * docker-compose.yml is loaded by compose-go, the library Docker Compose itself uses, which checks
 * it against the Compose Specification schema and resolves it (no Docker engine runs here).
 */
describe('docker-compose.yml', () => {
  let composeCheck: string;
  let scratch: string;

  beforeAll(async () => {
    // Built by `npm run setup` (pretest); this only looks it up in the cache.
    const { dir } = await ensureGoBinaries(GO_BUILDS.composeCheck, findGo(), cacheDir());
    composeCheck = join(dir, 'compose-check');
    scratch = mkdtempSync(join(tmpdir(), 'kwp-compose-'));
    writeFileSync(join(scratch, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function load(file: string): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(composeCheck, [file], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, KEYCLOAK_ADMIN_PASSWORD: 'only-for-this-test', POSTGRES_PASSWORD: 'only-for-this-test', KEYCLOAK_DB_PASSWORD: 'only-for-this-test', KUBECONFIG_HOST: join(scratch, 'kubeconfig'), KEYCLOAK_TLS_DIR: join(scratch, 'tls') },
    });
  }

  test('is valid against the Compose Specification and has the production-shaped services', () => {
    const result = load(join(REPO, 'docker-compose.yml'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const project = JSON.parse(result.stdout) as ResolvedProject;
    expect(Object.keys(project.services).sort()).toEqual(
      ['keycloak', 'postgresql', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'watcher', 'worker'].sort(),
    );
    for (const name of ['worker', 'watcher']) {
      expect(project.services[name].build?.context).toBe(REPO);
      expect(project.services[name].volumes).toEqual([
        expect.objectContaining({ source: join(scratch, 'kubeconfig'), target: '/var/run/kubeconfig/config', read_only: true }),
        expect.objectContaining({ source: join(scratch, 'tls', 'ca.crt'), target: '/var/run/kagenti-tls/ca.crt', read_only: true }),
      ]);
    }
    expect(project.services.watcher.command).toEqual(['node', 'dist/watcher/main.js']);
    // The memory bounds are those of the kustomize base, and the shared settings reach both.
    for (const name of ['worker', 'watcher'] as const) {
      expect(project.services[name].environment?.NODE_OPTIONS).toBe(deployedNodeOptions(name));
      expect(project.services[name].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
    expect(project.services.worker.environment?.MAX_CACHED_WORKFLOWS).toBe('100');
  });

  test('has the topology, versions and settings of the production profile', () => {
    const project = JSON.parse(load(join(REPO, 'docker-compose.yml')).stdout) as ResolvedProject;
    const services = project.services;
    // The profile's servers (its Kubernetes is the cluster the kubeconfig names), and two of each process.
    const servers = PROFILE_COMPONENTS.production.filter((c) => !(KUBERNETES_COMPONENTS as readonly string[]).includes(c));
    expect(servers).toEqual(['postgresql', 'temporal', 'temporal-ui', 'keycloak']);
    expect(servers.filter((name) => !services[name])).toEqual([]);
    expect(services.worker.deploy?.replicas).toBe(2);
    expect(services.watcher.deploy?.replicas).toBe(2);

    const tag = (name: string) => services[name].image!.split(':').pop();
    expect(services.temporal.image).toBe(`temporalio/server:${VERSIONS.temporalServer}`);
    expect(tag('temporal-schema')).toBe(VERSIONS.temporalServer);
    expect(tag('temporal-setup')).toBe(VERSIONS.temporalServer);
    expect(tag('temporal-ui')).toBe(VERSIONS.temporalUi);
    expect(tag('keycloak')).toBe(VERSIONS.keycloak);
    expect(tag('postgresql')!.split('.')[0]).toBe(String(VERSIONS.postgresqlMajor));

    // Temporal's schema: the same SQL tool steps on the same embedded schemas as the profile's.
    const schemaJob = services['temporal-schema'].command!.join(' ');
    for (const [database, schema] of Object.entries(TEMPORAL_SCHEMAS)) {
      expect(schemaJob).toContain(`--db ${database} setup-schema -v 0.0`);
      expect(schemaJob).toContain(`--db ${database} update-schema --schema-name ${schema}`);
    }

    // Keycloak: the profile's build and runtime options as KC_ variables, less where it listens.
    const asVariable = (option: string) => `KC_${option.toUpperCase().replace(/-/g, '_')}`;
    const options = [
      ...KEYCLOAK_BUILD_OPTIONS.map((flag) => flag.replace(/^--/, '').split('=')[0]),
      ...Object.keys(keycloakProductionOptions(PLACEHOLDER_CONTEXT, PLACEHOLDER_TLS)).filter((option) => !KEYCLOAK_LISTEN_OPTIONS.includes(option)),
    ];
    expect(Object.keys(services.keycloak.environment!).sort()).toEqual([...options.map(asVariable), ...KEYCLOAK_PRODUCTION_ENVIRONMENT_KEYS].sort());
    expect(services.keycloak.environment!.KC_HTTP_ENABLED).toBe('false');

    // The provisioner: every variable the production profile gives its processes that they read.
    const read = new Set([...FLAGS.flatMap((f) => f.env), 'NODE_EXTRA_CA_CERTS']);
    const given = Object.keys(stackEnvironment(PLACEHOLDER_STATE)).filter((key) => read.has(key));
    expect(given).toContain('NODE_EXTRA_CA_CERTS');
    for (const name of ['worker', 'watcher']) expect(Object.keys(services[name].environment!)).toEqual(expect.arrayContaining(given));
  });

  test('a schema violation is reported (the check is not a no-op)', () => {
    const broken = join(scratch, 'broken.yml');
    writeFileSync(broken, readFileSync(join(REPO, 'docker-compose.yml'), 'utf8').replace('restart: unless-stopped', 'restart: [not, a, string]'));
    const result = load(broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/restart/);
  });

  test('registers exactly the search attributes the workflows use', () => {
    const text = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
    const registered = [...text.matchAll(/(\w+)=(Keyword|Bool|Int|Datetime|Double|Text|KeywordList)\b/g)].map((m) => `${m[1]}=${m[2]}`);
    const expected = SEARCH_ATTRIBUTES.map((k) => `${k.name}=${{ KEYWORD: 'Keyword', BOOL: 'Bool', INT: 'Int' }[k.type as string]}`);
    expect(registered.sort()).toEqual(expected.sort());
  });
});

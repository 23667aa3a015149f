import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployedNodeOptions } from '../../tools/bench/processes';
import { ensureGoBinaries } from '../../tools/stack/build-go';
import { cacheDir } from '../../tools/stack/paths';
import { GO_BUILDS } from '../../tools/stack/setup';
import { findGo } from '../../tools/stack/toolchain';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const REPO = join(__dirname, '..', '..');

interface ResolvedProject {
  services: Record<string, { build?: { context: string }; command?: string[]; environment?: Record<string, string>; volumes?: { source: string; target: string; read_only?: boolean }[] }>;
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
      env: { ...process.env, KEYCLOAK_ADMIN_PASSWORD: 'only-for-this-test', KUBECONFIG_HOST: join(scratch, 'kubeconfig') },
    });
  }

  test('is valid against the Compose Specification and has the production-shaped services', () => {
    const result = load(join(REPO, 'docker-compose.yml'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const project = JSON.parse(result.stdout) as ResolvedProject;
    expect(Object.keys(project.services).sort()).toEqual(
      ['keycloak', 'postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'watcher', 'worker'].sort(),
    );
    for (const name of ['worker', 'watcher']) {
      expect(project.services[name].build?.context).toBe(REPO);
      expect(project.services[name].volumes).toEqual([
        expect.objectContaining({ source: join(scratch, 'kubeconfig'), target: '/var/run/kubeconfig/config', read_only: true }),
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

import { join } from 'node:path';
import { ensureGoBinaries, GoBuild } from './build-go';
import { ensureKeycloakDistribution } from './fetch-keycloak';
import { ensureKeycloakProductionBuild, keycloakProductionHome } from './production/keycloak-build';
import { Profile, PROFILES } from './state';
import { REPO_ROOT, cacheDir } from './paths';
import { say } from './progress';
import { ensureTestServer } from './test-server';
import { findGo, findJava, findMaven } from './toolchain';
import { VERSIONS } from './versions';

/** Paths of everything the stack runs. */
export interface Artifacts {
  temporal: string;
  /** The production profile's Temporal server, its SQL schema tool and its Web UI server. */
  temporalServer: string;
  temporalSql: string;
  temporalUi: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  istiod: string;
  /** Prints the CRDs and ConfigMaps istiod needs, rendered from the Istio module (tools/go/istio/istio-manifests). */
  istioManifests: string;
  composeCheck: string;
  keycloakHome: string;
  /** The distribution built for production mode on PostgreSQL (the production profile's). */
  keycloakProductionHome: string;
  javaHome: string;
  /** Runs Temporal's time-skipping test server; only the workflow tests use it (not the stack). */
  testServerLauncher: string;
}

const KUBE_VERSION_FLAGS = [
  `-X k8s.io/component-base/version.gitVersion=v${VERSIONS.kubernetes}`,
  `-X k8s.io/component-base/version.gitMajor=${VERSIONS.kubernetes.split('.')[0]}`,
  `-X k8s.io/component-base/version.gitMinor=${VERSIONS.kubernetes.split('.')[1]}`,
].join(' ');

export const GO_BUILDS: Record<'temporal' | 'temporalServer' | 'temporalUi' | 'etcd' | 'kubernetes' | 'kwok' | 'istio' | 'composeCheck', GoBuild> = {
  temporal: {
    name: 'temporal-cli',
    version: VERSIONS.temporalCli,
    packages: ['github.com/temporalio/cli/cmd/temporal'],
    // Without it the CLI reports version 0.0.0-DEV.
    ldflags: `-X github.com/temporalio/cli/temporalcli.Version=${VERSIONS.temporalCli}`,
  },
  temporalServer: {
    name: 'temporal-server',
    version: VERSIONS.temporalServer,
    packages: ['go.temporal.io/server/cmd/server', 'go.temporal.io/server/cmd/tools/sql'],
  },
  temporalUi: {
    name: 'temporal-ui-server',
    version: VERSIONS.temporalUi,
    packages: ['github.com/temporalio/ui-server/v2/cmd/server'],
  },
  etcd: {
    name: 'etcd',
    version: VERSIONS.etcd,
    moduleDir: join(REPO_ROOT, 'tools', 'go', 'etcd'),
    packages: ['kagenti.dev/waypoint-provisioner/tools/etcd'],
  },
  kubernetes: {
    name: 'kubernetes',
    version: VERSIONS.kubernetes,
    moduleDir: join(REPO_ROOT, 'tools', 'go', 'kubernetes'),
    packages: [
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ],
    ldflags: KUBE_VERSION_FLAGS,
  },
  kwok: {
    name: 'kwok',
    version: VERSIONS.kwok,
    packages: ['sigs.k8s.io/kwok/cmd/kwok'],
  },
  // The longest build (about 13 minutes cold on 2 cores); cached like the others.
  istio: {
    name: 'istio',
    version: VERSIONS.istio,
    moduleDir: join(REPO_ROOT, 'tools', 'go', 'istio'),
    packages: ['kagenti.dev/waypoint-provisioner/tools/istio/pilot-discovery', 'kagenti.dev/waypoint-provisioner/tools/istio/istio-manifests'],
  },
  // Validates docker-compose.yml the way Docker Compose loads it, where no Docker engine runs.
  composeCheck: {
    name: 'compose-check',
    version: VERSIONS.composeGo,
    moduleDir: join(REPO_ROOT, 'tools', 'go', 'compose-check'),
    packages: ['kagenti.dev/waypoint-provisioner/tools/compose-check'],
  },
};

/**
 * Builds or fetches every server binary the stack's `profiles` need, reusing the cache: a second
 * run builds nothing. Toolchains are checked first, so a missing one is reported before any work.
 * The production profile's Keycloak build is returned either way: it exists once that profile has been set up.
 */
export async function ensureArtifacts(profiles: readonly Profile[] = PROFILES): Promise<Artifacts> {
  const production = profiles.includes('production');
  const go = findGo();
  const java = findJava();
  const mvn = findMaven();
  const cache = cacheDir();

  // The Maven downloads are network-bound, the Go builds CPU-bound: run them side by side (the two
  // Maven runs one after the other, as they share the local Maven repository).
  const maven = (async () => {
    const keycloak = await ensureKeycloakDistribution(VERSIONS.keycloak, mvn, java.javaHome, cache);
    const keycloakProduction = production
      ? await ensureKeycloakProductionBuild(keycloak.home, VERSIONS.keycloak, java.javaHome, cache)
      : { home: keycloakProductionHome(cache, VERSIONS.keycloak), built: false, seconds: 0 };
    const testServer = await ensureTestServer(VERSIONS.temporalTestServer, mvn, java, cache);
    return { keycloak, keycloakProduction, testServer };
  })();
  const dirs: Record<string, string> = {};
  const report: string[] = [];
  try {
    for (const [key, build] of Object.entries(GO_BUILDS)) {
      const result = await ensureGoBinaries(build, go, cache);
      dirs[key] = result.dir;
      report.push(`${build.name} ${build.version} ${result.built ? `built in ${result.seconds.toFixed(0)} s` : 'cached'}`);
    }
  } finally {
    // Never leave the downloads running unobserved, even when a build failed.
    await maven.catch(() => undefined);
  }
  const { keycloak: kc, keycloakProduction, testServer } = await maven;
  report.push(`keycloak ${VERSIONS.keycloak} ${kc.built ? `fetched in ${kc.seconds.toFixed(0)} s` : 'cached'}`);
  if (production) report.push(`keycloak production build ${keycloakProduction.built ? `made in ${keycloakProduction.seconds.toFixed(0)} s` : 'cached'}`);
  report.push(
    `temporal-test-server ${VERSIONS.temporalTestServer} ${testServer.built ? `prepared in ${testServer.seconds.toFixed(0)} s` : 'cached'}`,
  );
  say(`Set-up: ${report.join('; ')} (cache: ${cache}; Go ${go.version}, Java ${java.majorVersion})`);

  return {
    temporal: join(dirs.temporal, 'temporal'),
    temporalServer: join(dirs.temporalServer, 'server'),
    temporalSql: join(dirs.temporalServer, 'sql'),
    temporalUi: join(dirs.temporalUi, 'server'),
    etcd: join(dirs.etcd, 'etcd'),
    kubeApiserver: join(dirs.kubernetes, 'kube-apiserver'),
    kubeControllerManager: join(dirs.kubernetes, 'kube-controller-manager'),
    kubeScheduler: join(dirs.kubernetes, 'kube-scheduler'),
    kwok: join(dirs.kwok, 'kwok'),
    istiod: join(dirs.istio, 'pilot-discovery'),
    istioManifests: join(dirs.istio, 'istio-manifests'),
    composeCheck: join(dirs.composeCheck, 'compose-check'),
    keycloakHome: kc.home,
    keycloakProductionHome: keycloakProduction.home,
    javaHome: java.javaHome,
    testServerLauncher: testServer.launcher,
  };
}

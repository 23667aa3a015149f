import { V1Container, V1Pod } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tsxCommand } from '../../tools/tsx';
import { core } from './cluster';
import { appendRunLog } from './run-logs';
import { testStack } from './stack';
import type { WorkerProcess } from './worker-process';

const REPO = join(__dirname, '..', '..');

/** Where a pod's ServiceAccount token, namespace and cluster CA are, and where client-node's loadFromCluster() reads them. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Where the pod's files go: a tmpfs of each process's own at this path holds its mounts (the host's folder stays empty). */
const POD_SECRETS_DIR = '/var/run/secrets';

/**
 * Creates POD_SECRETS_DIR on this machine if it is missing (an empty folder: a process's own tmpfs
 * is only ever mounted over it inside its own mount namespace). Returns a function that removes the
 * folders it created, if still empty.
 */
export function ensurePodSecretsMountPoint(): () => void {
  if (process.getuid?.() !== 0) {
    throw new Error(`in-cluster processes are run as root: each mounts its pod's files under ${POD_SECRETS_DIR} in its own mount namespace (unshare --mount), then drops to the pod's user`);
  }
  const created: string[] = [];
  for (let dir = POD_SECRETS_DIR; !existsSync(dir); dir = dirname(dir)) created.unshift(dir);
  mkdirSync(POD_SECRETS_DIR, { recursive: true });
  return () => {
    for (const dir of [...created].reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty or already gone: someone else uses it, leave it
      }
    }
  };
}

/**
 * What the kubelet projects into `pod` at SERVICE_ACCOUNT_DIR, written into `dir`: a token of the
 * pod's ServiceAccount from the TokenRequest API, bound to the pod as the kubelet asks for it, the
 * pod's namespace, and the cluster's CA. Modes as a projected volume's default (0644).
 */
export async function writeServiceAccountFiles(dir: string, pod: V1Pod): Promise<void> {
  const namespace = pod.metadata!.namespace!;
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name: pod.spec!.serviceAccountName!,
    body: {
      spec: {
        audiences: [],
        expirationSeconds: 3607,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid! },
      },
    },
  });
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'token'), request.status!.token!, { mode: 0o644 });
  writeFileSync(join(dir, 'namespace'), namespace, { mode: 0o644 });
  writeFileSync(join(dir, 'ca.crt'), readFileSync(testStack().kubernetes.caFile), { mode: 0o644 });
}

/** A folder bind-mounted read-only in a process's own mount namespace: `source` on this machine, `target` as the process sees it. */
export interface Mount {
  source: string;
  target: string;
}

/**
 * What the kubelet puts into `container`'s Secret and ConfigMap volumes of `pod`, written into
 * folders under `dir` as it does: each key of the object a file, read from the apiserver (a missing
 * object fails, as the pod would not start), mode the volume's defaultMode (0644 by default).
 */
export async function writeVolumeFiles(dir: string, pod: V1Pod, container: V1Container): Promise<Mount[]> {
  const namespace = pod.metadata!.namespace!;
  const mounts: Mount[] = [];
  for (const mount of container.volumeMounts ?? []) {
    if (!mount.mountPath.startsWith(`${POD_SECRETS_DIR}/`)) throw new Error(`volume ${mount.name}: only mounts under ${POD_SECRETS_DIR} are supported here, not ${mount.mountPath}`);
    const volume = pod.spec!.volumes!.find((v) => v.name === mount.name)!;
    let files: Record<string, Buffer>;
    if (volume.secret) {
      const secret = await core.readNamespacedSecret({ namespace, name: volume.secret.secretName! });
      files = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
    } else if (volume.configMap) {
      const configMap = await core.readNamespacedConfigMap({ namespace, name: volume.configMap.name! });
      files = Object.fromEntries(Object.entries(configMap.data ?? {}).map(([key, value]) => [key, Buffer.from(value)]));
    } else {
      throw new Error(`volume ${mount.name}: only Secret and ConfigMap volumes are supported here`);
    }
    const source = join(dir, mount.name);
    mkdirSync(source, { recursive: true });
    chmodSync(source, 0o755);
    const mode = (volume.secret ?? volume.configMap)!.defaultMode ?? 0o644;
    for (const [key, content] of Object.entries(files)) writeFileSync(join(source, key), content, { mode });
    mounts.push({ source, target: mount.mountPath });
  }
  return mounts;
}

/** The environment the image sets (the Dockerfile's last stage's ENV). */
export function imageEnvironment(dockerfile: string): Record<string, string> {
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, body] of lastStage.replace(/\\\n/g, ' ').matchAll(/^ENV\s+(.*)$/gm)) {
    for (const pair of body.trim().split(/\s+/)) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** A container's env as the kubelet gives it to `pod`: plain values, and downward-API fields of the pod. */
export function containerEnvironment(pod: V1Pod, container: V1Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef) {
      const value = variable.valueFrom.fieldRef.fieldPath.split('.').reduce<any>((object, key) => object?.[key], pod);
      if (typeof value !== 'string') throw new Error(`${variable.name}: no field ${variable.valueFrom.fieldRef.fieldPath} in pod ${pod.metadata!.name}`);
      env[variable.name] = value;
    } else {
      throw new Error(`${variable.name}: only values and fieldRefs are supported here`);
    }
  }
  return env;
}

/** The project's source entry point of an image command `node dist/<name>/main.js` (image-build.test.ts compiles one into the other). */
export function sourceEntryPoint(command: string[]): string {
  const match = command.length === 2 && command[0] === 'node' ? /^dist\/(worker|watcher|cli)\/main\.js$/.exec(command[1]) : null;
  if (!match) throw new Error(`unexpected container command ${JSON.stringify(command)}`);
  return join(REPO, match[1], 'main.ts');
}

export interface InClusterProcessOptions {
  /** For the log file of the run. */
  name: string;
  /** The pod it plays: its ServiceAccount files, its env's fieldRefs, its securityContext. */
  pod: V1Pod;
  container: V1Container;
  /** Folder with token, namespace and ca.crt (writeServiceAccountFiles), mounted at SERVICE_ACCOUNT_DIR. */
  serviceAccountFiles: string;
  /** The container's Secret and ConfigMap volumes (writeVolumeFiles). */
  volumes?: Mount[];
  /** The process's complete environment. */
  env: Record<string, string>;
  output?: string[];
}

/**
 * Starts the container's command as the pod would run it, on this machine: in its own mount
 * namespace (`unshare --mount`, as root), on a tmpfs of its own at /var/run/secrets, where
 * `serviceAccountFiles` is bind-mounted read-only at SERVICE_ACCOUNT_DIR and each of `volumes` at
 * its target (the host's view of those paths is unchanged), with the container's
 * securityContext applied as far as a process can be: the root filesystem remounted read-only,
 * the user id, no new privileges, no capabilities. Its network is the machine's (like hostNetwork).
 * The repository is bind-mounted at a folder of its own, where the process runs from, as the image's
 * /app: the pod's user reaches it whatever the folders above the clone allow (a clone under /root
 * or a private temporary folder is closed to uid 1000). Paths to the repository in the command and
 * the environment are rewritten to it.
 */
export function startInClusterProcess(options: InClusterProcessOptions): WorkerProcess {
  const { pod, container } = options;
  const security = { ...pod.spec?.securityContext, ...container.securityContext };
  const user = security.runAsUser;
  if (user === undefined || (security.runAsNonRoot && user === 0)) throw new Error(`container ${container.name}: expected a non-root runAsUser`);
  // Without runAsGroup the group is the image user's: the node image's `node` user is 1000:1000.
  const group = security.runAsGroup ?? user;
  const privileges = [`--reuid=${user}`, `--regid=${group}`, '--clear-groups'];
  if (security.allowPrivilegeEscalation === false) privileges.push('--no-new-privs');
  if (container.securityContext?.capabilities?.drop?.includes('ALL')) privileges.push('--bounding-set=-all', '--inh-caps=-all');
  const repo = realpathSync(REPO);
  const app = mkdtempSync(join(tmpdir(), 'kwp-app-'));
  chmodSync(app, 0o755);
  const inApp = (value: string) => value.split(repo).join(app);
  const [node, args] = tsxCommand(sourceEntryPoint(container.command ?? []));
  const mounts = [{ source: options.serviceAccountFiles, target: SERVICE_ACCOUNT_DIR }, ...(options.volumes ?? [])];
  // Arguments: the repository, its folder, whether the root is read-only, then source/target pairs up to "--", then the command.
  const script = [
    'set -e',
    `mount -t tmpfs -o mode=0755 tmpfs ${POD_SECRETS_DIR}`,
    'repo=$1; app=$2; readonly_root=$3; shift 3',
    'while [ "$1" != -- ]; do mkdir -p "$2"; mount --bind "$1" "$2"; mount -o remount,bind,ro "$2"; shift 2; done; shift',
    'mount --bind "$repo" "$app"',
    '[ "$readonly_root" = true ] && mount -o remount,bind,ro /',
    'cd "$app"',
    'exec "$@"',
  ].join('\n');
  const child = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', repo, app, String(security.readOnlyRootFilesystem === true),
      ...mounts.flatMap((m) => [m.source, m.target]), '--', 'setpriv', ...privileges, '--', inApp(node), ...args.map(inApp)],
    { env: Object.fromEntries(Object.entries(options.env).map(([key, value]) => [key, inApp(value)])), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = options.output ?? [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    appendRunLog(`in-cluster-${options.name}`, chunk.toString());
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      rmdirSync(app);
      resolve();
    }),
  );
  return { child, output, exited };
}

/** How a running process sees itself: its user, privileges, and the mounts of its root and of SERVICE_ACCOUNT_DIR. */
export function processView(pid: number): { uid: string; noNewPrivs: string; effectiveCapabilities: string; rootOptions?: string; serviceAccountOptions?: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1].split(/\s+/)[0] ?? '';
  // mountinfo: id, parent, device, root, mount point, options, ...; /var/run is a symlink to /run.
  const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').map((line) => line.split(' '));
  const options = (point: string) => mounts.filter((m) => m[4] === point).at(-1)?.[5];
  return {
    uid: field('Uid'),
    noNewPrivs: field('NoNewPrivs'),
    effectiveCapabilities: field('CapEff'),
    rootOptions: options('/'),
    serviceAccountOptions: options(SERVICE_ACCOUNT_DIR.replace(POD_SECRETS_DIR, realpathSync(POD_SECRETS_DIR))),
  };
}

/** The JSON log lines a process wrote (whose msg is `message`, if given). */
export function logLines(output: string[], message?: string): Record<string, any>[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        return {};
      }
    })
    .filter((line) => message === undefined || line.msg === message);
}

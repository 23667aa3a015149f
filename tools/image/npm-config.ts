import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { capture } from '../stack/command';
import { ImageError } from './errors';

/** Where the build's RUN steps find the settings: npm's global npmrc for a Node in /usr/local. */
const NPMRC_IN_IMAGE = '/usr/local/etc/npmrc';
const CA_IN_IMAGE = '/usr/local/etc/npm-build-ca.pem';

export interface BuildNpmConfig {
  /** `--volume` arguments for `buildah build`: the settings are there during RUN steps only, never in a layer. */
  volumeArgs: string[];
  /** What the build's npm is told, for the log (no auth token of the npmrc is copied; a proxy URL is, as it is). */
  summary: string;
  remove(): void;
}

const unset = (value: string | undefined) => value === undefined || value === '' || value === 'null' || value === 'undefined';

/**
 * The machine's npm settings that reach the registry (registry, CA file, proxies), copied from
 * `npm config get` into a global npmrc that `npm ci` inside the build sees through a bind mount.
 * A machine that trusts an extra CA only through NODE_EXTRA_CA_CERTS gets Node's roots plus it.
 * Nothing about the registry is written into the repository or the image.
 */
export async function buildNpmConfig(dir: string): Promise<BuildNpmConfig> {
  const keys = ['registry', 'cafile', 'https-proxy', 'proxy', 'noproxy'] as const;
  const text = await capture('npm', ['config', 'get', ...keys]);
  const values = Object.fromEntries(text.split('\n').map((line) => line.match(/^([\w-]+)=(.*)$/)).filter((m) => m !== null).map((m) => [m![1], m![2].trim()])) as Record<string, string>;
  if (unset(values.registry)) throw new ImageError('`npm config get registry` gave nothing: the build needs the registry this machine\'s npm uses.');

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const lines = [`registry=${values.registry}`, 'update-notifier=false'];
  for (const key of ['https-proxy', 'proxy', 'noproxy'] as const) if (!unset(values[key])) lines.push(`${key}=${values[key]}`);

  let ca: string | undefined;
  if (!unset(values.cafile)) {
    if (!existsSync(values.cafile)) throw new ImageError(`npm's cafile ${values.cafile} does not exist.`);
    ca = readFileSync(values.cafile, 'utf8');
  } else if (process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS)) {
    ca = [...rootCertificates, readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8')].join('\n');
  }
  const volumeArgs = [];
  if (ca) {
    writeFileSync(join(dir, 'ca.pem'), ca, { mode: 0o644 });
    lines.push(`cafile=${CA_IN_IMAGE}`);
    volumeArgs.push('--volume', `${join(dir, 'ca.pem')}:${CA_IN_IMAGE}:ro`);
  }
  writeFileSync(join(dir, 'npmrc'), `${lines.join('\n')}\n`, { mode: 0o644 });
  volumeArgs.push('--volume', `${join(dir, 'npmrc')}:${NPMRC_IN_IMAGE}:ro`);
  const proxied = lines.some((l) => l.startsWith('https-proxy=') || l.startsWith('proxy='));
  return {
    volumeArgs,
    summary: `registry ${values.registry}${ca ? ', the machine\'s CA certificates' : ''}${proxied ? ', its proxy' : ''}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

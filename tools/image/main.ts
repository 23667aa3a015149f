import { runCommandLine } from '../stack/command-line';
import { ensureBaseImage } from './base-image';
import { ImageError } from './errors';
import { imageFacts, megabytes } from './image-facts';
import { buildProjectImage } from './project-image';
import { requirePrograms } from './requirements';
import { APT_PACKAGES, IMAGE } from './versions';

const USAGE = `Usage: npm run image -- <command>
  build [--file Dockerfile] [--tag ${IMAGE.project}] [--no-cache]
         build the Dockerfile (unchanged) with buildah on a local ${IMAGE.base},
         made first from Debian's packages and the project's Node when missing or out of date
  base   make (or check) only the local ${IMAGE.base}
  info   [image]: size, layers, user and command of an image in local storage
Runs as root; needs Debian's ${APT_PACKAGES.join(', ')}. Cache: $KWP_CACHE_DIR/image.`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (!value || value.startsWith('--')) throw new ImageError(`${name} needs a value`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'build': {
      const result = await buildProjectImage({ dockerfile: option(rest, '--file'), tag: option(rest, '--tag'), noCache: rest.includes('--no-cache') });
      console.log(`base ${IMAGE.base}: ${result.baseBuilt ? 'built' : 'up to date'} in ${result.baseSeconds.toFixed(1)} s`);
      console.log(`image ${option(rest, '--tag') ?? IMAGE.project}: ${megabytes(result.facts.size)}, ${result.facts.layers} layers, built in ${result.imageSeconds.toFixed(1)} s`);
      return 0;
    }
    case 'base': {
      requirePrograms('buildah', 'podman', 'mmdebstrap');
      const result = await ensureBaseImage();
      const facts = await imageFacts(IMAGE.base);
      console.log(`base ${IMAGE.base}: ${result.built ? 'built' : 'up to date'} in ${result.seconds.toFixed(1)} s; ${megabytes(facts?.size ?? 0)}, ${facts?.layers} layers`);
      return 0;
    }
    case 'info': {
      requirePrograms('podman');
      const reference = rest[0] ?? IMAGE.project;
      const facts = await imageFacts(reference);
      if (!facts) throw new ImageError(`No image ${reference} in local storage: run \`npm run image -- build\` first.`);
      console.log(`${reference}: ${megabytes(facts.size)}, ${facts.layers} layers, user ${facts.user || 'root'}, entrypoint ${JSON.stringify(facts.entrypoint)}, cmd ${JSON.stringify(facts.cmd)}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
}

runCommandLine(main);

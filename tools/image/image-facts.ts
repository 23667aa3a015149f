import { execFile } from 'node:child_process';

export interface ImageFacts {
  id: string;
  /** Uncompressed size of all layers, bytes (as `podman images` shows it). */
  size: number;
  layers: number;
  user: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  labels: Record<string, string>;
}

interface Inspected {
  Id: string;
  Size: number;
  RootFS?: { Layers?: string[] };
  Labels?: Record<string, string> | null;
  Config?: { User?: string; Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null };
}

/** What local container storage knows of an image, or undefined when it has no such image. */
export function imageFacts(reference: string): Promise<ImageFacts | undefined> {
  return new Promise((resolve, reject) => {
    execFile('podman', ['image', 'inspect', reference], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        if (/image not known|no such image|failed to find image/i.test(stderr)) return resolve(undefined);
        return reject(new Error(`podman image inspect ${reference} failed: ${stderr.trim()}`));
      }
      const [image] = JSON.parse(stdout) as Inspected[];
      resolve({
        id: image.Id,
        size: image.Size,
        layers: image.RootFS?.Layers?.length ?? 0,
        user: image.Config?.User ?? '',
        entrypoint: image.Config?.Entrypoint ?? [],
        cmd: image.Config?.Cmd ?? [],
        env: image.Config?.Env ?? [],
        labels: image.Labels ?? {},
      });
    });
  });
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

/**
 * What the local image build pins. The base stands in for `node:24-slim`, which cannot be pulled
 * where no registry of container images is reachable: it is made here from Debian's packages and
 * the Node binary the project already installs (the `node` devDependency).
 */
export const IMAGE = {
  /** The name `FROM node:24-slim` resolves to in local container storage. */
  base: 'docker.io/library/node:24-slim',
  /** What `npm run image -- build` tags the Dockerfile's image as. */
  project: 'kagenti-waypoint-provisioner:dev',
  /** Debian release of the base's root filesystem (node:24-slim's bookworm flavour). */
  debianSuite: 'bookworm',
  /** npm inside the base: the npm package from the registry, checked against its published integrity. */
  npm: { version: '11.19.1', integrity: 'sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g==' },
  /** The base's `node` user and group, as in the official image (the Dockerfile runs `USER node`). */
  nodeUid: 1000,
  /** Image label holding the hash of everything the base was made from; a different hash rebuilds it. */
  baseKeyLabel: 'io.kagenti.waypoint-provisioner.base-key',
} as const;

/** Debian packages the tool needs on the machine (root, Debian 12). */
export const APT_PACKAGES = ['buildah', 'podman', 'runc', 'mmdebstrap'] as const;

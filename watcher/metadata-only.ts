import type { KubeConfig, RequestContext } from '@kubernetes/client-node';
export { metadataOnlyList } from '../config/kube-config';

/**
 * Asks the apiserver for objects' metadata only (PartialObjectMetadata): what the watcher keeps of a
 * Secret is that it exists, so it never receives a Secret's data. RBAC cannot grant this narrower
 * read (list and watch always allow the data); the watcher just never asks for more.
 */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/**
 * The same cluster and credentials for a client-node `Watch`, whose requests ask for metadata only:
 * each watch event then carries a PartialObjectMetadata. `Watch` takes its headers from the
 * KubeConfig's authentication step, the one place to add one.
 */
export function metadataOnlyWatches(kc: KubeConfig): KubeConfig {
  const config = Object.create(kc) as KubeConfig;
  config.applySecurityAuthentication = async (context: RequestContext) => {
    await kc.applySecurityAuthentication(context);
    context.setHeaderParam('Accept', METADATA_ONLY);
  };
  return config;
}

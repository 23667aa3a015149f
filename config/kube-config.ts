import { KubeConfig, setHeaderOptions, type RequestContext } from '@kubernetes/client-node';

/**
 * A KubeConfig whose API clients reuse their connections. @kubernetes/client-node 2.0.1 builds a
 * new undici Agent for every request, so every call to the apiserver paid a TCP and TLS handshake
 * on both sides: in a burst of namespaces most of the worker's CPU time, and much of the
 * apiserver's. Here each context (a cluster and a user) gets one keep-alive Agent, made on first use.
 * (A client certificate rotated on disk under the same path is picked up on restart.)
 */
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class PooledKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    // A context names one cluster and one user; the name is cheaper to key by than their contents.
    const key = this.getCurrentContext();
    const pooled = this.dispatchers.get(key);
    if (pooled) {
      context.setDispatcher(pooled);
      void fresh.close(); // never used: it has no connection to close
    } else {
      this.dispatchers.set(key, fresh);
    }
  }
}

/** From a kubeconfig file, or the in-cluster ServiceAccount when `file` is empty. */
export function loadKubeConfig(file: string): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromCluster();
  return kc;
}

/**
 * Request options for a list that returns objects' metadata only (a PartialObjectMetadataList): for
 * Secrets whose existence or names are all that is needed, so that their data is never received.
 */
export const metadataOnlyList = () => setHeaderOptions('Accept', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');

/** Request options for a read that returns the object's metadata only (a PartialObjectMetadata): whether a Secret exists, never its data. */
export const metadataOnlyRead = () => setHeaderOptions('Accept', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');

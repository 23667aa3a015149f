import { loadKubeConfig } from '../../config/kube-config';
export { metadataOnlyList, metadataOnlyRead } from '../../config/kube-config';
import { ApisApi, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isNotFound } from '../../model/errors';

/** The typed Kubernetes APIs the activities use, built once per worker process. */
export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  apis: ApisApi;
}

/** From a kubeconfig file, or the in-cluster ServiceAccount when `kubeconfig` is empty. */
export function kubeClients(kubeconfig: string): KubeClients {
  const kc = loadKubeConfig(kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    apis: kc.makeApiClient(ApisApi),
  };
}

/** Request options for a JSON merge patch (without them the client sends a JSON Patch). */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** A server-side apply: the fields sent become the field manager's (with `force`, taken from others). */
export const SERVER_SIDE_APPLY = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);


/** A read's object, or undefined when it does not exist. */
export const unlessMissing = <T>(read: Promise<T>): Promise<T | undefined> => read.catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));

import type { V1Pod } from '@kubernetes/client-node';
import { injectionPatch } from './inject';

// AdmissionReview v1 in and out (the apiserver's side of the webhook protocol), kept pure.

const API_VERSION = 'admission.k8s.io/v1';

/** A request the webhook cannot answer; the server replies 400 with its message. */
export class MalformedReview extends Error {
  override readonly name = 'MalformedReview';
}

export interface AdmissionReviewResponse {
  apiVersion: typeof API_VERSION;
  kind: 'AdmissionReview';
  response: { uid: string; allowed: true; patchType?: 'JSONPatch'; patch?: string };
}

export interface Reviewed {
  review: AdmissionReviewResponse;
  /** `namespace/name` of the pod (its generateName when the name is not set yet), for the log. */
  pod: string;
  /** Containers the patch adds. */
  added: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Answers one AdmissionReview body: always allowed, with a JSON Patch when sidecars are missing. */
export function reviewPodCreation(body: string): Reviewed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new MalformedReview(`the body is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed) || parsed.apiVersion !== API_VERSION || parsed.kind !== 'AdmissionReview') {
    throw new MalformedReview(`expected an AdmissionReview of ${API_VERSION}`);
  }
  const request = parsed.request;
  if (!isObject(request) || typeof request.uid !== 'string' || request.uid === '') {
    throw new MalformedReview('the AdmissionReview has no request with a uid');
  }
  const kind = request.kind;
  if (!isObject(kind) || kind.group !== '' || kind.version !== 'v1' || kind.kind !== 'Pod') {
    throw new MalformedReview(`only core v1 Pods are handled, got ${JSON.stringify(kind)}`);
  }
  if (!isObject(request.object)) throw new MalformedReview('the request carries no Pod object');

  const pod = request.object as V1Pod;
  const patch = injectionPatch(pod);
  const response: AdmissionReviewResponse['response'] = { uid: request.uid, allowed: true };
  if (patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  return {
    review: { apiVersion: API_VERSION, kind: 'AdmissionReview', response },
    pod: `${String(request.namespace)}/${pod.metadata?.name || pod.metadata?.generateName || ''}`,
    added: patch.map((op) => op.value.name),
  };
}

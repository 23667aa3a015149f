// A Kubernetes Event as workflows ask for it: the plain-JSON input of the recordEvents activity.

export interface EventInput {
  namespace: string;
  /** The object the event is about: the Namespace itself, or a workload in it. */
  involved: { kind: 'Namespace' | 'Deployment' | 'StatefulSet'; name: string; uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Unique per event occurrence and stable across retries, so a retried activity records it once. */
  key: string;
  /**
   * Occurrences of one lasting problem share one Kubernetes Event, as kubectl shows "x5 over 3m":
   * the first occurrence of a series creates it, each later one (another key) adds one to its count.
   */
  series?: string;
}

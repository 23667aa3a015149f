import { startIstioStandIn } from '../../tools/local/istio-stand-in';
import { ProvisionerOptions, startProvisioner, TestProvisioner } from './provisioner';
import { adminKubeConfig } from './stack';

/**
 * For a test file: before its tests, the Istio stand-in (Istio cannot run here; it marks waypoints
 * Programmed, see tools/local/istio-stand-in.ts) and a provisioner; after them, both stopped.
 * Returns the provisioner once started.
 */
export function provisionedSuite(options: ProvisionerOptions = {}, shouldProgram: (namespace: string) => boolean = () => true): () => TestProvisioner {
  let istio: { stop(): Promise<void> } | undefined;
  let provisioner: TestProvisioner | undefined;
  beforeAll(async () => {
    istio = await startIstioStandIn(adminKubeConfig(), shouldProgram);
    provisioner = await startProvisioner(options);
  });
  afterAll(async () => {
    await provisioner?.stop();
    await istio?.stop();
  });
  return () => {
    if (!provisioner) throw new Error('the provisioner is started in beforeAll');
    return provisioner;
  };
}

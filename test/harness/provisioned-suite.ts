import { ProvisionerOptions, startProvisioner, TestProvisioner } from './provisioner';

/**
 * For a test file: a provisioner started before its tests and stopped after them. The stack's
 * real istiod programs the waypoints. Returns the provisioner once started.
 */
export function provisionedSuite(options: ProvisionerOptions = {}): () => TestProvisioner {
  let provisioner: TestProvisioner | undefined;
  beforeAll(async () => {
    provisioner = await startProvisioner(options);
  });
  afterAll(async () => {
    await provisioner?.stop();
  });
  return () => {
    if (!provisioner) throw new Error('the provisioner is started in beforeAll');
    return provisioner;
  };
}

import { workerUpgradeSuite } from '../../harness/worker-upgrade';

// The upgrade on the development profile (test/harness/worker-upgrade.ts).
workerUpgradeSuite();

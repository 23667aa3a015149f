import { workerUpgradeSuite } from '../harness/worker-upgrade';

// The upgrade on the production profile: PostgreSQL, TLS and tokens (test/harness/worker-upgrade.ts).
workerUpgradeSuite();

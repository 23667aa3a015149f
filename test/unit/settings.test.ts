import { FLAGS, InvalidSettingError, loadSettings, loadTemporalSettings } from '../../config/settings';

describe('settings', () => {
  test('defaults follow the spec (§6): both features on, operator namespace kagenti-system, empty trust domain', () => {
    const settings = loadSettings([], {});
    expect(settings).toMatchObject({
      enableWaypointProvisioning: true,
      enableOperatorClientRegistration: true,
      operatorNamespace: 'kagenti-system',
      spireTrustDomain: '',
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  test('a flag wins over its environment variable, which wins over the default', () => {
    const env = { POD_NAMESPACE: 'from-pod', ENABLE_WAYPOINT_PROVISIONING: 'false', HEALTH_PORT: '9000' };
    expect(loadSettings([], env)).toMatchObject({ operatorNamespace: 'from-pod', enableWaypointProvisioning: false, healthPort: 9000 });
    expect(loadSettings(['--operator-namespace', 'from-flag', '--enable-waypoint-provisioning=true'], env)).toMatchObject({
      operatorNamespace: 'from-flag',
      enableWaypointProvisioning: true,
    });
    // OPERATOR_NAMESPACE is listed before POD_NAMESPACE, so an explicit setting beats the downward API.
    expect(loadSettings([], { ...env, OPERATOR_NAMESPACE: 'explicit' }).operatorNamespace).toBe('explicit');
  });

  test('invalid values are refused with a message naming the flag or variable', () => {
    expect(() => loadSettings(['--enable-waypoint-provisioning', 'yes'], {})).toThrow(
      new InvalidSettingError('--enable-waypoint-provisioning=yes: expected true or false'),
    );
    expect(() => loadSettings([], { HEALTH_PORT: '70000' })).toThrow('HEALTH_PORT=70000: expected a port number from 0 to 65535');
    expect(() => loadSettings([], { LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL=loud: expected one of fatal, error/);
    expect(() => loadSettings(['--no-such-flag', 'x'], {})).toThrow(InvalidSettingError);
  });

  test('every flag has an environment variable and a default that parses', () => {
    for (const flag of FLAGS) {
      expect(flag.env.length).toBeGreaterThan(0);
      expect(() => loadSettings([`--${flag.flag}`, flag.default], {})).not.toThrow();
    }
  });
});

test('the CLI resolves its Temporal connection as the worker does: flag, then variable, then default', () => {
  const env = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TASK_QUEUE: 'from-env' };
  expect(loadTemporalSettings({ 'task-queue': 'from-flag' }, env)).toEqual(expect.objectContaining({ temporalAddress: 'temporal:7233', temporalNamespace: 'default', taskQueue: 'from-flag' }));
  expect(loadTemporalSettings({}, {})).toEqual({
    temporalAddress: '127.0.0.1:7233',
    temporalNamespace: 'default',
    taskQueue: 'waypoint-provisioner',
    temporalTls: false,
    temporalTlsCaFile: '',
    temporalTlsServerName: '',
    temporalTokenUrl: '',
    temporalClientId: 'kagenti-waypoint-worker',
    temporalClientSecretFile: '',
    temporalApiKey: '',
  });
  // The temporal CLI's variables: one environment serves both CLIs.
  const tls = loadTemporalSettings({}, { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'temporal', TEMPORAL_API_KEY: 'k' });
  expect(tls).toEqual(expect.objectContaining({ temporalTlsCaFile: '/ca.pem', temporalTlsServerName: 'temporal', temporalApiKey: 'k' }));
});

import t from 'tap';
import { envName, listEnvOverrides, loadDeviceConfig } from '../../src/config/load.js';
import { ErrorCode, EXIT_CONFIG, exitCodeFor } from '../../src/errors.js';
import { FIXTURES, ROOT } from '../helpers/paths.js';

t.test('defaults fill a missing file when allowed', async (t) => {
  const config = await loadDeviceConfig(`${FIXTURES}config/absent.yaml`, {}, { allowMissing: true });
  t.equal(config.modem.profile, 'sim7600');
  t.equal(config.modem.ringsBeforeAnswer, 2);
  t.equal(config.log.level, 'info');
  t.equal(config.mqtt.enabled, false);
  t.equal(config.privacy.sendCallerNumber, false);
  t.same(config.digest, { enabled: true, day: 'mon', time: '08:00' });
});

t.test('a missing file is an error unless allowed', async (t) => {
  await t.rejects(loadDeviceConfig(`${FIXTURES}config/absent.yaml`, {}), {
    code: ErrorCode.Config_Unreadable,
  });
});

t.test('a valid file keeps its values, fills the rest and resolves the profile path', async (t) => {
  const config = await loadDeviceConfig(`${FIXTURES}config/valid.yaml`, {});
  t.equal(config.device.id, 'shop-0042');
  t.equal(config.modem.profile, 'usr5637');
  t.equal(config.modem.baudRate, 115200);
  t.equal(config.gpio.ledReady, 17);
  t.equal(config.gpio.powerKey, -1);
  t.same(config.log.namespaces, { 'linekeeper:modem': 'trace' });
  t.equal(config.shopProfile, `${ROOT}examples/shop-bakery.yaml`);
});

t.test('environment overrides win over the file and are typed', async (t) => {
  const config = await loadDeviceConfig(`${FIXTURES}config/valid.yaml`, {
    LINEKEEPER_MODEM__RINGS_BEFORE_ANSWER: '4',
    LINEKEEPER_MQTT__ENABLED: 'false',
    LINEKEEPER_DEVICE__ID: 'shop-0043',
    LINEKEEPER_LOG__NAMESPACES: '{"linekeeper:calls":"debug"}',
  });
  t.equal(config.modem.ringsBeforeAnswer, 4);
  t.equal(config.mqtt.enabled, false);
  t.equal(config.device.id, 'shop-0043');
  t.same(config.log.namespaces, { 'linekeeper:calls': 'debug' });
});

t.test('every problem is listed at once with its path', async (t) => {
  const error = await loadDeviceConfig(`${FIXTURES}config/invalid.yaml`, {
    LINEKEEPER_STORAGE__MIN_FREE_MB: 'lots',
  }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  t.ok(error);
  t.equal(exitCodeFor(error), EXIT_CONFIG);
  const message = error?.message ?? '';
  for (const expected of [
    'device.id: must match pattern',
    'modem.profile: must be one of sim7600, ec25, usr5637',
    'modem.baudRate: must be >= 1200',
    'modem.ringsBeforeAnswer: must be >= 1',
    'gpio.enabeld: is not a known field',
    'log.level: must be one of error, warn, info, debug, trace',
    'digest.day: must be one of mon, tue, wed, thu, fri, sat, sun',
    'digest.time: must match pattern',
    'storage.minFreeMb (from LINEKEEPER_STORAGE__MIN_FREE_MB): "lots" is not a number',
  ]) {
    t.ok(message.includes(expected), `names: ${expected}`);
  }
});

t.test('every field has a description and an environment variable', async (t) => {
  const overrides = listEnvOverrides();
  t.ok(overrides.length > 30);
  for (const o of overrides) t.ok(o.description.length > 0, `${o.path} has a description`);
  t.equal(envName(['modem', 'ringsBeforeAnswer']), 'LINEKEEPER_MODEM__RINGS_BEFORE_ANSWER');
});

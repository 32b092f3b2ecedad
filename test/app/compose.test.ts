import t from 'tap';
import { composeServices } from '../../src/app/compose.js';
import { loadShopProfile, validateDeviceConfig } from '../../src/config/load.js';
import { GpioService } from '../../src/gpio/gpio-service.js';
import { silentLogger } from '../../src/log/logger.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

t.test('the gpio service is composed only when gpio.enabled is true', async (t) => {
  const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
  const off = validateDeviceConfig({}).config;
  t.notOk(
    composeServices({
      config: off,
      shop,
      log: silentLogger,
      configFile: 'test.yaml',
      requestRestart: () => {},
    }).some((s) => s.name === 'gpio'),
    'disabled by default',
  );
  const on = validateDeviceConfig({ gpio: { enabled: true, ledReady: 17 } }).config;
  const gpio = composeServices({
    config: on,
    shop,
    log: silentLogger,
    configFile: 'test.yaml',
    requestRestart: () => {},
  }).filter((s) => s.name === 'gpio');
  t.equal(gpio.length, 1);
  t.ok(gpio[0] instanceof GpioService);
});

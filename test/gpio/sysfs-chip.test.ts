import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { assertSysfsAccess, findHeaderChip, listChips, sysfsNumber } from '../../src/gpio/sysfs-chip.js';
import { makeSysfsTree, PI4_CHIPS, PI5_CHIPS } from '../helpers/sysfs-tree.js';

function gpioUnavailable(message: RegExp) {
  return { name: 'LinekeeperError', code: ErrorCode.Gpio_Unavailable, message };
}

t.test('a Pi 4 on kernel 6.6 numbers the header from 512: BCM 17 is gpio529', async (t) => {
  const root = await makeSysfsTree(t, PI4_CHIPS);
  const chip = await findHeaderChip(root);
  t.match(chip, { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 });
  t.equal(sysfsNumber(chip, 17), 529);
});

t.test('a Pi 5 uses the RP1 chip at 571, not the SoC chips listed before it', async (t) => {
  const root = await makeSysfsTree(t, PI5_CHIPS);
  t.equal((await listChips(root)).length, 3);
  const chip = await findHeaderChip(root);
  t.equal(chip.label, 'pinctrl-rp1');
  t.equal(sysfsNumber(chip, 6), 577);
});

t.test('older kernels (base 0) and an explicit label both work', async (t) => {
  const root = await makeSysfsTree(t, [
    { label: 'pinctrl-bcm2835', base: 0, ngpio: 54 },
    { label: 'my-expander', base: 504, ngpio: 8 },
  ]);
  t.equal(sysfsNumber(await findHeaderChip(root), 4), 4);
  t.equal(sysfsNumber(await findHeaderChip(root, 'my-expander'), 3), 507);
  await t.rejects(
    findHeaderChip(root, 'pinctrl-rp1'),
    gpioUnavailable(/no gpiochip labelled "pinctrl-rp1".*found: gpiochip0 "pinctrl-bcm2835" base 0/),
  );
});

t.test('a tree without a header chip names what it found', async (t) => {
  const root = await makeSysfsTree(t, [{ label: 'some-i2c-expander', base: 496, ngpio: 16 }]);
  await t.rejects(
    findHeaderChip(root),
    gpioUnavailable(
      /no Raspberry Pi header gpiochip .* \(found: gpiochip496 "some-i2c-expander" base 496\); set gpio\.chip/,
    ),
  );
});

t.test('a garbled base file is named', async (t) => {
  const root = await makeSysfsTree(t, [{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58, baseText: 'x12' }]);
  await t.rejects(
    findHeaderChip(root),
    gpioUnavailable(/gpiochip512\/base should hold a number, found "x12"/),
  );
});

t.test('pins the chip does not have are refused', async (t) => {
  const root = await makeSysfsTree(t, PI5_CHIPS);
  const chip = await findHeaderChip(root);
  t.throws(
    () => sysfsNumber(chip, 54),
    gpioUnavailable(/BCM pin 54 is not on gpiochip571 "pinctrl-rp1" \(pins 0-53\)/),
  );
  t.throws(() => sysfsNumber(chip, -1), gpioUnavailable(/BCM pin -1/));
});

t.test('a machine without sysfs GPIO says so', async (t) => {
  const root = await makeSysfsTree(t, []);
  const missing = join(root, 'no-such-dir');
  await t.rejects(
    assertSysfsAccess(missing),
    gpioUnavailable(/no-such-dir does not exist \(not a Raspberry Pi/),
  );
  await t.rejects(listChips(missing), gpioUnavailable(/does not exist/));
});

t.test('an export file that cannot be written names the path and the gpio group', async (t) => {
  const root = await makeSysfsTree(t, PI4_CHIPS, { writable: false });
  await t.rejects(
    assertSysfsAccess(root),
    gpioUnavailable(
      new RegExp(`${root}/export is not writable \\(ENOENT\\); add the user to the gpio group`),
    ),
  );
  // Even root cannot open a directory for writing: a stand-in for a permission problem in a test run as root.
  await mkdir(join(root, 'export'));
  await t.rejects(assertSysfsAccess(root), {
    ...gpioUnavailable(/export is not writable \(EISDIR\).*usermod -aG gpio/),
    context: { path: join(root, 'export'), errno: 'EISDIR' },
  });
});

t.test('a writable tree passes the access check', async (t) => {
  const root = await makeSysfsTree(t, PI4_CHIPS);
  await t.resolves(assertSysfsAccess(root));
});

/** Parses device/udev/99-linekeeper-modem.rules with udev's grammar and checks what it covers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { validateDeviceConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/paths.js';

const RULES_FILE = join(ROOT, 'device/udev/99-linekeeper-modem.rules');

interface Key {
  key: string;
  attr: string | undefined;
  op: string;
  value: string;
}

const MATCH_KEYS = new Set([
  'ACTION',
  'SUBSYSTEM',
  'SUBSYSTEMS',
  'KERNEL',
  'KERNELS',
  'DRIVERS',
  'ATTR',
  'ATTRS',
  'ENV',
]);
const ASSIGN_KEYS = new Set(['ENV', 'SYMLINK', 'GROUP', 'MODE', 'OWNER', 'TAG', 'IMPORT', 'RUN']);
const KEYS_WITH_ATTR = new Set(['ATTR', 'ATTRS', 'ENV', 'IMPORT', 'RUN']);
const TOKEN = /^([A-Z]+)(?:\{([A-Za-z0-9_.]+)\})?(==|!=|\+=|-=|:=|=)"([^"]*)"$/;

/** Splits one rule into its keys, failing on anything udev would reject or silently misread. */
function parseRule(line: string, lineNo: number): Key[] {
  const keys: Key[] = [];
  for (const token of line.split(/,\s*/)) {
    const m = TOKEN.exec(token.trim());
    if (m === null) throw new Error(`line ${lineNo}: malformed key ${JSON.stringify(token)}`);
    const [, key = '', attr, op = '', value = ''] = m;
    const isMatch = op === '==' || op === '!=';
    if (isMatch ? !MATCH_KEYS.has(key) : !ASSIGN_KEYS.has(key)) {
      throw new Error(`line ${lineNo}: ${key} cannot be used with ${op}`);
    }
    if (KEYS_WITH_ATTR.has(key) !== (attr !== undefined)) {
      throw new Error(`line ${lineNo}: ${key} ${attr === undefined ? 'needs' : 'takes no'} {attribute}`);
    }
    keys.push({ key, attr, op, value });
  }
  return keys;
}

const rules = readFileSync(RULES_FILE, 'utf8')
  .split('\n')
  .map((line, index) => ({ line: line.trim(), lineNo: index + 1 }))
  .filter(({ line }) => line !== '' && !line.startsWith('#'))
  .map(({ line, lineNo }) => ({ lineNo, keys: parseRule(line, lineNo) }));

function value(keys: Key[], key: string, attr?: string): string | undefined {
  return keys.find((k) => k.key === key && k.attr === attr && (k.op === '==' || k.op === '!='))?.value;
}

function rulesFor(vid: string, pid: string) {
  return rules.filter(
    ({ keys }) =>
      (value(keys, 'ATTRS', 'idVendor') ?? value(keys, 'ATTR', 'idVendor')) === vid &&
      (value(keys, 'ATTRS', 'idProduct') ?? value(keys, 'ATTR', 'idProduct')) === pid,
  );
}

function symlinkOnInterface(vid: string, pid: string, name: string): string[] {
  return rulesFor(vid, pid)
    .filter(({ keys }) => keys.some((k) => k.key === 'SYMLINK' && k.op === '+=' && k.value === name))
    .map(({ keys }) => value(keys, 'ENV', 'ID_USB_INTERFACE_NUM') ?? 'any');
}

function ignoredBy(vid: string, pid: string, subsystem: string): boolean {
  return rulesFor(vid, pid).some(
    ({ keys }) =>
      value(keys, 'SUBSYSTEM') === subsystem &&
      keys.some(
        (k) => k.key === 'ENV' && k.attr === 'ID_MM_DEVICE_IGNORE' && k.op === '=' && k.value === '1',
      ),
  );
}

t.test('every rule is well-formed: known keys, quoted values, a match and an action', async (t) => {
  t.ok(rules.length >= 11);
  for (const { lineNo, keys } of rules) {
    t.ok(
      keys.some((k) => k.op === '==' || k.op === '!='),
      `line ${lineNo} matches something`,
    );
    t.ok(
      keys.some((k) => k.op !== '==' && k.op !== '!='),
      `line ${lineNo} does something`,
    );
    // udev matches all ATTRS keys on one parent: idVendor (USB device) and bInterfaceNumber (interface) never meet.
    t.notOk(
      keys.some((k) => k.key === 'ATTRS' && k.attr === 'bInterfaceNumber'),
      `line ${lineNo} takes the interface number from ENV, not ATTRS`,
    );
    const iface = value(keys, 'ENV', 'ID_USB_INTERFACE_NUM');
    if (iface !== undefined)
      t.match(iface, /^[0-9a-f]{2}$/, `line ${lineNo}: two hex digits, as usb_id writes them`);
  }
});

t.test('the parser rejects what udev would reject', async (t) => {
  t.throws(() => parseRule('SUBSYSTEM=="tty", SYMLINK+=linekeeper-modem', 1), /malformed key/);
  t.throws(() => parseRule('SYMLINK=="x", MODE="0660"', 2), /SYMLINK cannot be used with ==/);
  t.throws(() => parseRule('ATTRS=="1e0e", MODE="0660"', 3), /ATTRS needs \{attribute\}/);
});

t.test('the link names are the ones the device config uses by default', async (t) => {
  const { modem } = validateDeviceConfig({}).config;
  t.equal(modem.port, '/dev/linekeeper-modem');
  t.equal(modem.audioPort, '/dev/linekeeper-audio');
});

t.test('SIMCom SIM7600: AT on interface 02, PCM audio on 04, ModemManager kept off', async (t) => {
  t.same(symlinkOnInterface('1e0e', '9001', 'linekeeper-modem'), ['02']);
  t.same(symlinkOnInterface('1e0e', '9001', 'linekeeper-audio'), ['04']);
  t.ok(ignoredBy('1e0e', '9001', 'tty'));
  t.ok(ignoredBy('1e0e', '9001', 'usb'));
});

t.test(
  'Quectel EC25/EG25: AT on interface 02, raw PCM on the NMEA port 01, ModemManager kept off',
  async (t) => {
    t.same(symlinkOnInterface('2c7c', '0125', 'linekeeper-modem'), ['02']);
    t.same(symlinkOnInterface('2c7c', '0125', 'linekeeper-audio'), ['01']);
    t.ok(ignoredBy('2c7c', '0125', 'tty'));
    t.ok(ignoredBy('2c7c', '0125', 'usb'));
  },
);

t.test('USR5637: one CDC-ACM port for AT and audio, ModemManager kept off', async (t) => {
  t.same(symlinkOnInterface('0baf', '0303', 'linekeeper-modem'), ['00']);
  t.same(symlinkOnInterface('0baf', '0303', 'linekeeper-audio'), []);
  t.ok(ignoredBy('0baf', '0303', 'tty'));
  t.ok(ignoredBy('0baf', '0303', 'usb'));
});

t.test('serial ports are group dialout, not world-writable', async (t) => {
  for (const { lineNo, keys } of rules) {
    const mode = keys.find((k) => k.key === 'MODE')?.value;
    if (mode === undefined) continue;
    t.equal(mode, '0660', `line ${lineNo}`);
    t.equal(keys.find((k) => k.key === 'GROUP')?.value, 'dialout', `line ${lineNo}`);
  }
});

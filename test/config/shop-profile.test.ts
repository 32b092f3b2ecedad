import { readFile } from 'node:fs/promises';
import t from 'tap';
import { loadShopProfile } from '../../src/config/load.js';
import { isRealDate } from '../../src/config/shop-checks.js';
import { ErrorCode, isLinekeeperError } from '../../src/errors.js';
import { FIXTURES, ROOT, SHARED_EXAMPLES } from '../helpers/paths.js';

async function problems(file: string): Promise<string[]> {
  try {
    await loadShopProfile(file);
  } catch (e) {
    if (isLinekeeperError(e) && e.code === ErrorCode.Config_Invalid) {
      return e.message.split('\n').filter((l) => /^\S+: /.test(l) && !l.startsWith('The shop profile'));
    }
    throw e;
  }
  return [];
}

t.test('the canonical bakery profile loads unchanged, with its orders table', async (t) => {
  const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
  t.same(shop.profile.languages, ['zh', 'en']);
  t.equal(shop.profile.faq.length, 5);
  t.same(
    shop.orders.map((o) => o.orderId),
    ['A1021', 'A1022', 'A1023', 'A1024'],
  );
  t.equal(shop.profile.escalation.max_failed_turns, 2);
  t.match(shop.hash, /^[0-9a-f]{64}$/);
});

t.test('the copy shipped in examples/ is the canonical profile', async (t) => {
  for (const name of ['shop-bakery.yaml', 'orders-bakery.csv']) {
    t.equal(
      await readFile(`${ROOT}examples/${name}`, 'utf8'),
      await readFile(`${SHARED_EXAMPLES}${name}`, 'utf8'),
      name,
    );
  }
});

t.test('a profile with four problems names all four with their paths', async (t) => {
  const found = await problems(`${FIXTURES}shop/four-problems.yaml`);
  t.match(found, [
    /^hours\.mon\[0\]: 25:00 is not a valid time.*26:00 is not a valid time/,
    /^owner\.mobile: "12345" is not an E\.164 phone number/,
    /^faq\[0\]\.answer\.zh: is missing/,
    /^faq\[4\]\.id: "payment" is already the id of faq\[3\]/,
  ]);
  t.equal(found.length, 4, found.join('\n'));
});

t.test('meaning checks: timezone, overlapping ranges, unreal dates, malformed ids', async (t) => {
  const found = await problems(`${FIXTURES}shop/meaning-problems.yaml`);
  t.match(found, [
    /^timezone: "Mars\/Olympus" is not a known IANA timezone/,
    /^hours\.sun\[1\]: overlaps 08:00-12:00 \(hours\.sun\[0\]\)/,
    /^closed_dates\[0\]: 2026-02-30 is not a real date/,
    /^faq\[2\]\.id: "Gluten-Free" is not a well-formed id/,
  ]);
  t.equal(found.length, 4, found.join('\n'));
});

t.test('shape problems are listed with paths and known values', async (t) => {
  const found = await problems(`${FIXTURES}shop/bad-shape.yaml`);
  t.ok(found.includes('address: is required'), found.join('\n'));
  t.ok(found.includes('languages[1]: must be one of en, zh'), found.join('\n'));
  t.ok(found.includes('hours.funday: is not a known field (check the spelling)'), found.join('\n'));
  t.ok(found.includes('hours.mon: must be array'), found.join('\n'));
  t.ok(found.includes('escalation.max_failed_turns: must be >= 1'), found.join('\n'));
});

t.test('an unreadable orders table is named', async (t) => {
  const found = await problems(`${FIXTURES}shop/missing-orders.yaml`);
  t.match(found, [/^orders\.source: cannot read .*no-such-orders\.csv/]);
});

t.test('a minimal one-language profile is valid and gets defaults', async (t) => {
  const shop = await loadShopProfile(`${FIXTURES}shop/minimal-en.yaml`);
  t.same(shop.profile.hours.tue, []);
  t.same(shop.profile.faq, []);
  t.equal(shop.profile.privacy.retention_days, 90);
  t.equal(shop.profile.bookings.enabled, false);
});

t.test('broken YAML names the file and line', async (t) => {
  await t.rejects(loadShopProfile(`${FIXTURES}shop/bad-yaml.yaml`), { message: /bad-yaml\.yaml:\d+:\d+: / });
});

t.test('a missing profile is Config_Unreadable', async (t) => {
  await t.rejects(loadShopProfile(`${FIXTURES}shop/nope.yaml`), { code: ErrorCode.Config_Unreadable });
});

t.test('isRealDate', async (t) => {
  t.ok(isRealDate('2028-02-29'));
  t.notOk(isRealDate('2027-02-29'));
  t.notOk(isRealDate('2027-13-01'));
  t.notOk(isRealDate('27-01-01'));
});

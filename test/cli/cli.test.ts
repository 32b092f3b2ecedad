import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, SHARED_EXAMPLES } from '../helpers/paths.js';

t.test('check-config accepts the canonical bakery profile', async (t) => {
  const result = await runCli(['check-config', '--shop', `${SHARED_EXAMPLES}shop-bakery.yaml`]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /valid \(5 FAQ entries, 4 orders\)/);
});

t.test('check-config exits 78 and names all four problems', async (t) => {
  const result = await runCli(['check-config', '--shop', `${FIXTURES}shop/four-problems.yaml`]);
  t.equal(result.code, 78);
  t.match(result.stderr, /hours\.mon\[0\]: /);
  t.match(result.stderr, /faq\[0\]\.answer\.zh: /);
  t.match(result.stderr, /faq\[4\]\.id: /);
  t.match(result.stderr, /owner\.mobile: /);
});

t.test('check-config checks the device config and the profile it names', async (t) => {
  const valid = await runCli(['check-config', '--config', `${FIXTURES}config/valid.yaml`]);
  t.equal(valid.code, 0, valid.stderr);
  t.match(valid.stdout, /device config .*valid\.yaml: valid/);
  t.match(valid.stdout, /shop profile .*shop-bakery\.yaml: valid/);
  const invalid = await runCli(['check-config', '--config', `${FIXTURES}config/invalid.yaml`]);
  t.equal(invalid.code, 78);
  t.match(invalid.stderr, /modem\.profile: must be one of/);
});

t.test('print-schema prints JSON Schemas with descriptions and defaults', async (t) => {
  const config = await runCli(['print-schema', 'config']);
  t.equal(config.code, 0);
  const schema = JSON.parse(config.stdout) as {
    properties: Record<string, { properties: Record<string, unknown> }>;
  };
  t.match(schema.properties.modem?.properties.ringsBeforeAnswer, {
    type: 'integer',
    default: 2,
    description: /Rings/,
  });
  const shop = await runCli(['print-schema', 'shop']);
  t.match(JSON.parse(shop.stdout), { title: 'Linekeeper shop profile' });
  const wrong = await runCli(['print-schema', 'nope']);
  t.not(wrong.code, 0);
  t.match(wrong.stderr, /expected "config" or "shop"/);
});

t.test('--help lists the subcommands, and each has its own help', async (t) => {
  const help = await runCli(['--help']);
  t.equal(help.code, 0);
  for (const command of ['run', 'check-config', 'print-schema', 'demo', 'nlu', 'simulate'])
    t.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
  const sub = await runCli(['check-config', '--help']);
  t.match(sub.stdout, /--shop <file>/);
});

t.test('demo says what the line answers for the example profile', async (t) => {
  const result = await runCli(['demo', '--at', '2026-11-23T21:30:00+08:00', '--no-calls']);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /We're closed now\. We open at 07:30 tomorrow\./);
  t.match(result.stdout, /我们现在不营业，明天07:30开门。/);
  t.match(result.stdout, /We accept cash, bank cards, WeChat Pay and Alipay\./);
});

t.test('run exits 78 on a broken config instead of starting', async (t) => {
  const result = await runCli(['run', '--config', `${FIXTURES}config/invalid.yaml`]);
  t.equal(result.code, 78);
  t.match(result.stderr, /The device config .* is not valid/);
});

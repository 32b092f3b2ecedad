import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import t from 'tap';
import { parse } from 'yaml';
import { loadShopProfile, validateShopProfile } from '../../src/config/load.js';
import { buildReport } from '../../src/report/build-report.js';
import { generateDemoCalls } from '../../src/report/demo-calls.js';
import {
  digestTopic,
  ownerText,
  publishWeeklyDigest,
  TEXT_LIMIT,
  type WeeklyDigest,
} from '../../src/report/digest.js';
import { arraySource } from '../../src/report/record-source.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';

const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
const end = new Date('2026-11-23T10:00:00Z');
const week = new Date('2026-11-16T10:00:00Z');
const report = await buildReport(arraySource(generateDemoCalls(shop.profile, { end })), shop.profile, {
  from: week,
  to: end,
  deviceId: 'shop-0042',
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Starts mosquitto on a free loopback port; resolves once it says it is running. */
async function startBroker(t: { teardown(fn: () => Promise<void>): void }): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'lk-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nlog_dest stderr\nlog_type all\n`);
  const broker = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(async () => {
    if (broker.exitCode === null) {
      broker.kill('SIGTERM');
      await once(broker, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start: ${log}`)), 10_000);
    broker.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/running/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    broker.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited ${code}: ${log}`));
    });
  });
  return port;
}

t.test(
  'the profile section is optional and defaults to no text; the canonical profile is unchanged',
  async (t) => {
    t.same(shop.profile.reports, { weekly_text: false });
    const text = await readFile(`${SHARED_EXAMPLES}shop-bakery.yaml`, 'utf8');
    const withText = parse(`${text}\nreports:\n  weekly_text: true\n`);
    const checked = await validateShopProfile(withText, SHARED_EXAMPLES);
    t.same(checked.issues, []);
    t.same(checked.profile.reports, { weekly_text: true });
    const wrong = await validateShopProfile(
      parse(`${text}\nreports:\n  weekly_txt: true\n`),
      SHARED_EXAMPLES,
    );
    t.match(wrong.issues, [{ path: 'reports.weekly_txt', message: /not a known field/ }]);
  },
);

t.test('the digest counts the week', async (t) => {
  const d = report.digest;
  t.equal(d.schema, 1);
  t.equal(d.calls.total, report.records.length);
  t.equal(
    Object.values(d.calls.outcomes).reduce((a, b) => a + b, 0),
    d.calls.total,
  );
  t.equal(d.escalations.total, d.calls.outcomes.escalated);
  t.ok(d.topIntents.length > 0 && d.topIntents.length <= 5);
  t.ok(d.unanswered.length > 0 && d.unanswered.length <= 5);
  t.equal(d.unanswered[0]?.count, report.content.unanswered[0]?.count);
  t.ok(JSON.stringify(d).length < 2000, 'compact');
});

t.test('owner texts fit one message in each language', async (t) => {
  for (const lang of ['en', 'zh'] as const) {
    const text = ownerText(report.digest, shop.profile, lang);
    t.comment(`${lang} (${[...text].length} chars): ${text}`);
    t.ok([...text].length <= TEXT_LIMIT[lang], `${lang} within ${TEXT_LIMIT[lang]}`);
    t.match(text, String(report.digest.calls.total));
  }
  t.match(ownerText(report.digest, shop.profile, 'en'), /^[\x20-\x7e]*$/, 'English stays GSM-7 (ASCII)');
  const huge: WeeklyDigest = {
    ...report.digest,
    calls: { ...report.digest.calls, total: 123456789, afterHours: 987654321 },
    unanswered: [{ question: 'x'.repeat(500), count: 99999, faqId: 'x' }],
  };
  for (const lang of ['en', 'zh'] as const)
    t.ok(
      [...ownerText(huge, shop.profile, lang)].length <= TEXT_LIMIT[lang],
      `${lang} long figures still fit`,
    );
});

t.test('the digest is published over a real MQTT broker; the owner text only when asked', async (t) => {
  const port = await startBroker(t);
  const subscriber = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'fleet-test' });
  const publisher = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'shop-0042' });
  t.teardown(async () => {
    await subscriber.endAsync();
    await publisher.endAsync();
  });
  const topic = digestTopic('shop-0042');
  t.equal(topic, 'lk/v1/shop-0042/digest/weekly');
  await subscriber.subscribeAsync(topic, { qos: 1 });
  const received = new Promise<[string, Buffer]>((resolve) =>
    subscriber.once('message', (topic, payload) => resolve([topic, payload])),
  );
  const texts: [string, string][] = [];
  const publish = async (topic: string, payload: string) => {
    await publisher.publishAsync(topic, payload, { qos: 1 });
  };
  const sendText = async (number: string, text: string) => {
    texts.push([number, text]);
  };

  const quiet = await publishWeeklyDigest(report.digest, shop.profile, { publish, sendText });
  const [gotTopic, payload] = await received;
  t.equal(gotTopic, topic);
  t.same(JSON.parse(payload.toString()), report.digest);
  t.same(quiet, { topic, text: null });
  t.same(texts, [], 'no text unless the profile asks');

  const asks = { ...shop.profile, reports: { weekly_text: true } };
  const loud = await publishWeeklyDigest(report.digest, asks, { publish, sendText });
  t.same(texts, [['+8613800138000', loud.text]]);
  t.ok([...(loud.text ?? '')].length <= TEXT_LIMIT.zh, 'the first profile language (zh) sets the limit');
});

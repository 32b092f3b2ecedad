import { join } from 'node:path';
import t from 'tap';
import { CallHandling } from '../../src/app/call-handling.js';
import { loadShopProfile, validateDeviceConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { SpeechService } from '../../src/speech/speech-service.js';
import { startLineRig, until } from '../helpers/line-rig.js';
import { SHARED_EXAMPLES } from '../helpers/paths.js';
import { installVad, lineSpeech, recogniseAgain } from '../helpers/speech.js';

const LOUD = 500; // mean absolute sample value of speech on the line; silence and dither stay far below

/** Milliseconds of trailing quiet in 8 kHz audio (20 ms blocks). */
function quietTailMs(samples: Int16Array): number {
  let ms = 0;
  for (let end = samples.length; end >= 160; end -= 160) {
    let sum = 0;
    for (let i = end - 160; i < end; i++) sum += Math.abs(samples[i] as number);
    if (sum / 160 > LOUD) break;
    ms += 20;
  }
  return ms;
}

/** Milliseconds of speech in 8 kHz audio (20 ms blocks above the speech level). */
function speechMs(samples: Int16Array): number {
  let ms = 0;
  for (let start = 0; start + 160 <= samples.length; start += 160) {
    let sum = 0;
    for (let i = start; i < start + 160; i++) sum += Math.abs(samples[i] as number);
    if (sum / 160 > LOUD) ms += 20;
  }
  return ms;
}

t.test(
  'a caller asks the line through the virtual modem and hears the answer, and the call is recorded',
  async (t) => {
    const dir = t.testdir();
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    const modelsDir = join(dir, 'models');
    await installVad(modelsDir);
    const shop = await loadShopProfile(`${SHARED_EXAMPLES}shop-bakery.yaml`);
    const { config } = validateDeviceConfig({ speech: { modelsDir, promptCacheDir: join(dir, 'prompts') } });
    const rig = await startLineRig(t, 'sim7600', { transport: 'in-process', ringsBeforeAnswer: 1 });
    const speech = new SpeechService({ speech: config.speech, profile: shop.profile, log });
    await speech.start();
    t.teardown(() => speech.stop());
    const records: CallRecord[] = [];
    const handling = new CallHandling({
      calls: rig.calls,
      speech,
      records: {
        recordCall: async (record) => {
          records.push(record);
          return records.length;
        },
      },
      shop,
      nluDir: join(dir, 'nlu'),
      sendText: async () => {},
      log,
    });
    await handling.start();
    t.teardown(() => handling.stop());

    rig.emulator.ring({ number: '+8613700004444' });
    await rig.nextConnected(10_000);
    // The line greets in Chinese and English; the caller waits until it has finished.
    await until(
      () =>
        speechMs(rig.emulator.recordedSamples()) > 2000 && quietTailMs(rig.emulator.recordedSamples()) > 1500,
      'the greeting',
      30_000,
    );
    const before = rig.emulator.recordedSamples().length;
    await rig.emulator.sendAudio(await lineSpeech('do you deliver'));
    const reply = () => rig.emulator.recordedSamples().subarray(before);
    await until(() => speechMs(reply()) > 1500 && quietTailMs(reply()) > 1500, 'the reply', 30_000);
    const faqAnswer = shop.profile.faq.find((f) => f.id === 'delivery')?.answer.en ?? '';
    const heard = await recogniseAgain(reply(), [
      faqAnswer.replace(/[.,]/g, ''),
      'we accept cash bank cards wechat pay and alipay',
      'sorry i did not catch that',
      'anything else',
    ]);
    t.match(heard, /deliver within five kilometres/, `the reply recognised again: "${heard}"`);

    rig.emulator.hangUp();
    await until(() => records.length === 1, 'the call record', 20_000);
    const record = records[0] as CallRecord;
    t.equal(record.callerNumber, '+8613700004444');
    t.equal(record.turns[0]?.intent, 'faq:delivery', JSON.stringify(record.turns[0]));
    t.match(record.turns[0]?.reply, /five kilometres/);
    t.notOk(
      lines.some((l) => l.includes('+8613700004444')),
      'the caller number stays out of info-level logs',
    );
  },
);

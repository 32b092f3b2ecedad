/**
 * Speech on simulated calls: caller speech rendered by flite, carried as 8 kHz line audio (with the line's echo)
 * through an in-memory ActiveCall into the real speech channel and worker (Silero VAD, pocketsphinx, flite).
 * Turn latency runs from the end of the caller's speech as the line sent it to the first reply frame at the
 * line. Understanding is the product's NLU (intent classifier trained on the bakery profile before the turns),
 * and the reply is what the conversation answers for that intent: a FAQ answer (a fixed prompt, cached) or the
 * opening hours (worked out from the clock, so synthesised sentence by sentence).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadShopProfile } from '../src/config/load.js';
import { hoursAnswer } from '../src/dialog/answers.js';
import { silentLogger } from '../src/log/logger.js';
import { IntentClassifier } from '../src/nlu/classifier.js';
import { type Understanding, understand } from '../src/nlu/understand.js';
import { projectRoot } from '../src/speech/models/manifest.js';
import { fixedPrompts, PromptCache } from '../src/speech/prompt-cache.js';
import { normalisePhrase } from '../src/speech/recognize/caller-speech.js';
import { SpeechChannel } from '../src/speech/speech-channel.js';
import { SpeechWorker } from '../src/speech/worker/speech-worker.js';
import { MemoryCall } from '../test/helpers/memory-call.js';
import { installVad, lineSpeech, workerConfigFor } from '../test/helpers/speech.js';
import { type Benchmark, quantile } from './harness.js';

/** Leading and trailing near-silence of a clip, ms. */
function silenceEdges(samples: Int16Array): { leadMs: number; tailMs: number } {
  let first = 0;
  let last = samples.length - 1;
  while (first < samples.length && Math.abs(samples[first] as number) < 300) first++;
  while (last > 0 && Math.abs(samples[last] as number) < 300) last--;
  return { leadMs: first / 8, tailMs: (samples.length - 1 - last) / 8 };
}

/** Polls `predicate`; rejects naming `what` after `timeoutMs` (a reply that never plays must not hang the bench). */
function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (performance.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`speech bench: ${what} within ${timeoutMs} ms`));
      }
    }, 5);
  });
}

/** Questions about opening hours (answered from the clock); the rest of the turns ask the FAQ examples. */
const HOURS_QUESTIONS = ['what are your opening hours', 'are you open today', 'what time do you close'];

const TURNS = 24;
const BARGE_INS = 8;

/** Speech turn latency, barge-in and first-audio times, worker memory and CPU. */
export const benchmark: Benchmark = {
  figures: [
    'turn_latency_p50_ms',
    'turn_latency_p95_ms',
    'turn_endpointing_p50_ms',
    'turn_recognition_p50_ms',
    'turn_understanding_p50_ms',
    'turn_synthesis_p50_ms',
    'turn_line_buffering_p50_ms',
    'turn_recognised_ratio',
    'turn_understood_ratio',
    'barge_in_stop_p50_ms',
    'barge_in_stop_p95_ms',
    'cached_first_audio_p50_ms',
    'dynamic_first_audio_p50_ms',
    'worker_rss_mb',
    'worker_cpu_ms_per_call_s',
  ],
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'linekeeper-bench-speech-'));
    const shop = await loadShopProfile(join(projectRoot(), 'examples', 'shop-bakery.yaml'));
    const profile = shop.profile;
    const classifier = IntentClassifier.train(profile);
    // A Tuesday morning: the shop is open, so the hours answer is the "open until" sentence.
    const now = new Date('2026-11-24T10:00:00+08:00');
    const worker = new SpeechWorker({
      config: await workerConfigFor(await installVad(dir)),
      log: silentLogger,
    });
    try {
      await worker.start();
      const cache = new PromptCache({
        dir: join(dir, 'prompts'),
        voiceId: (lang) => worker.engines?.voices[lang] ?? 'no worker yet',
        log: silentLogger,
      });
      await cache.prerender(
        fixedPrompts(profile),
        async (p) => (await worker.synthesize(p.text, p.lang)).samples,
      );
      // Every other turn asks about the hours (a dynamic reply), the others a FAQ example (a cached answer).
      const faqQuestions = profile.faq.flatMap((faq) =>
        (faq.examples.en ?? []).map((ex) => ({ text: normalisePhrase(ex), intent: `faq:${faq.id}` })),
      );
      const questions = Array.from({ length: TURNS }, (_, i) =>
        i % 2 === 0
          ? (faqQuestions[(i / 2) % faqQuestions.length] as { text: string; intent: string })
          : { text: HOURS_QUESTIONS[((i - 1) / 2) % HOURS_QUESTIONS.length] as string, intent: 'hours' },
      );
      const caller = await Promise.all(questions.map((q) => lineSpeech(q.text)));
      /** The conversation's answer to an understood open question (FAQ, hours, address), else its re-ask. */
      const reply = (u: Understanding): string => {
        if (u.intent === 'hours') return hoursAnswer(profile, now, 'en', u.slots.date);
        if (u.intent === 'location') return profile.address.en ?? '';
        const faq = profile.faq.find((f) => `faq:${f.id}` === u.intent);
        return faq?.answer.en ?? 'Sorry, I did not catch that. Could you say it again?';
      };
      const personal = await lineSpeech('I want to speak to a person');

      const call = new MemoryCall({ delayMs: 120, lossDb: 12 });
      const channel = new SpeechChannel({
        call,
        worker,
        cache,
        log: silentLogger,
        handoff: async () => 'unsupported',
        sendText: async () => {},
      });
      const before = await worker.usage();
      const callStart = performance.now();
      const latency: number[] = [];
      const parts = {
        endpointing: [] as number[],
        recognition: [] as number[],
        understanding: [] as number[],
      };
      const synthesis: number[] = [];
      const buffering: number[] = [];
      const cachedFirst: number[] = [];
      const dynamicFirst: number[] = [];
      let recognised = 0;
      let understood = 0;
      for (let i = 0; i < TURNS; i++) {
        const audio = caller[i] as Int16Array;
        const listening = channel.listen({ timeoutMs: 10_000 });
        await call.speak(audio);
        const speechEnd = call.speechSentAt - silenceEdges(audio).tailMs;
        const input = await listening;
        const question = questions[i] as { text: string; intent: string };
        const understandStart = performance.now();
        const text = input.kind === 'speech' ? input.text : '';
        const u = understand(classifier, shop, text, now, 'en');
        const answer = reply(u);
        parts.understanding.push(performance.now() - understandStart);
        if (input.kind === 'speech') {
          parts.endpointing.push(input.timing?.endpointingMs ?? 0);
          parts.recognition.push(input.timing?.recognitionMs ?? 0);
        }
        if (text === question.text) recognised++;
        if (u.intent === question.intent) understood++;
        const frames = call.firstFrameAt.length;
        const sayStart = performance.now();
        const saying = channel.say(answer, 'en');
        await until(() => call.firstFrameAt.length > frames, `no reply audio for turn ${i}`);
        const firstFrame = call.firstFrameAt[frames] as number;
        call.stopPlayback();
        await saying;
        latency.push(firstFrame - speechEnd);
        synthesis.push(channel.lastSay?.synthesisMs ?? 0);
        buffering.push(firstFrame - sayStart - (channel.lastSay?.firstAudioMs ?? 0));
        (channel.lastSay?.cached === true ? cachedFirst : dynamicFirst).push(firstFrame - sayStart);
      }
      const bargeIn: number[] = [];
      const longAnswer = profile.faq[2]?.answer.en ?? '';
      for (let i = 0; i < BARGE_INS; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const stops = call.stops.length;
        const saying = channel.say(longAnswer, 'en');
        await new Promise((r) => setTimeout(r, 1200));
        const spoken = call.speak(personal);
        await saying;
        if (call.stops.length > stops) {
          bargeIn.push((call.stops[stops] as number) - call.speechStartedAt - silenceEdges(personal).leadMs);
        }
        await spoken;
        await channel.listen({ timeoutMs: 3000 });
      }
      const after = await worker.usage();
      const seconds = (performance.now() - callStart) / 1000;
      call.end();
      return {
        turn_latency_p50_ms: quantile(latency, 0.5),
        turn_latency_p95_ms: quantile(latency, 0.95),
        turn_endpointing_p50_ms: quantile(parts.endpointing, 0.5),
        turn_recognition_p50_ms: quantile(parts.recognition, 0.5),
        turn_understanding_p50_ms: quantile(parts.understanding, 0.5),
        turn_synthesis_p50_ms: quantile(synthesis, 0.5),
        turn_line_buffering_p50_ms: quantile(buffering, 0.5),
        turn_recognised_ratio: recognised / TURNS,
        turn_understood_ratio: understood / TURNS,
        barge_in_stop_p50_ms: quantile(bargeIn, 0.5),
        // A missed barge-in has no stop time: the p95 is then reported as infinite, never hidden.
        barge_in_stop_p95_ms:
          bargeIn.length === BARGE_INS ? quantile(bargeIn, 0.95) : Number.POSITIVE_INFINITY,
        cached_first_audio_p50_ms: quantile(cachedFirst, 0.5),
        dynamic_first_audio_p50_ms: quantile(dynamicFirst, 0.5),
        worker_rss_mb: after.rssMb,
        worker_cpu_ms_per_call_s:
          (after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs) / seconds,
      };
    } finally {
      await worker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

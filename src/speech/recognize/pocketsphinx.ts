/**
 * pocketsphinx (Debian, English) as persistent streaming child processes, one per expectation (open speech with
 * the shop's language model, yes/no and digits with grammars), started once and fed 16 kHz audio only while a
 * turn listens.
 *
 *   accept(16 kHz) ──dither──> sh -c 'cat | pocketsphinx_continuous -infile /dev/stdin -lm L -dict D' ──lines──> finish()
 *
 * `cat |` because pocketsphinx cannot open Node's socketpair stdin as /dev/stdin (speech-models.md §3.2).
 * Its own VAD ends an utterance after 0.5 s of silence; when our VAD has already ended the turn, `finish()`
 * pushes that silence at once so the hypothesis comes out in milliseconds, not after real time.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { clampInt16 } from '../../audio/frame.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import type { Expectation, Recognition, Recognizer } from '../engines.js';
import { type DecoderModel, writeDecoderModel } from './grammar.js';
import { lineAcousticModel } from './line-acoustic-model.js';

const RATE = 16000;
/** Silence pushed at the end of a turn: more than pocketsphinx's -vad_postspeech (50 frames = 0.5 s). */
const FLUSH_SAMPLES = Math.round(RATE * 0.7);

/** Low-level noise: pocketsphinx's VAD never ends an utterance on exact digital zeros. */
function dither(samples: Int16Array): Buffer {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = (samples[i] as number) + ((Math.random() * 5) | 0) - 2;
    out[i] = clampInt16(v);
  }
  return Buffer.from(out.buffer);
}

class Decoder {
  readonly process: ChildProcessWithoutNullStreams;
  lines: string[] = [];
  waiter: (() => void) | undefined;
  exited: string | undefined;

  constructor(searchArgs: string[], onExit: (why: string) => void) {
    this.process = spawn('sh', [
      '-c',
      'cat | exec pocketsphinx_continuous -infile /dev/stdin -logfn /dev/null "$@"',
      'pocketsphinx',
      ...searchArgs,
    ]);
    createInterface({ input: this.process.stdout }).on('line', (line) => {
      const text = line.trim();
      if (text !== '') this.lines.push(text);
      this.waiter?.();
    });
    this.process.stdin.on('error', () => {});
    this.process.on('exit', (code, signal) => {
      this.exited = `pocketsphinx exited (code ${code}, signal ${signal})`;
      this.waiter?.();
      onExit(this.exited);
    });
  }
}

class PocketsphinxRecognizer implements Recognizer {
  readonly name = 'pocketsphinx';
  readonly #decoders: Record<Expectation, Decoder>;
  readonly #dir: string;
  readonly #finishTimeoutMs: number;
  #current: Decoder | undefined;
  #closing = false;

  constructor(decoders: Record<Expectation, Decoder>, dir: string, finishTimeoutMs: number) {
    this.#decoders = decoders;
    this.#dir = dir;
    this.#finishTimeoutMs = finishTimeoutMs;
  }

  begin(expect: Expectation): void {
    this.#current = this.#decoders[expect];
    this.#current.lines = [];
  }

  accept(samples: Int16Array): void {
    this.#current?.process.stdin.write(dither(samples));
  }

  async finish(): Promise<Recognition> {
    const decoder = this.#current;
    if (decoder === undefined) return { text: '' };
    this.#current = undefined;
    if (decoder.exited !== undefined) {
      throw new LinekeeperError(ErrorCode.Speech_EngineFailed, decoder.exited);
    }
    const before = decoder.lines.length;
    decoder.process.stdin.write(dither(new Int16Array(FLUSH_SAMPLES)));
    await new Promise<void>((resolve) => {
      // Done when a hypothesis arrives after the flush; lines from pauses inside the turn came before it.
      const timer = setTimeout(resolve, this.#finishTimeoutMs);
      decoder.waiter = () => {
        if (decoder.lines.length > before || decoder.exited !== undefined) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    decoder.waiter = undefined;
    const text = decoder.lines.join(' ');
    decoder.lines = [];
    return { text };
  }

  async close(): Promise<void> {
    this.#closing = true;
    const decoders = Object.values(this.#decoders);
    await Promise.all(
      decoders.map(
        (d) =>
          new Promise<void>((resolve) => {
            if (d.exited !== undefined) return resolve();
            d.process.once('exit', () => resolve());
            d.process.stdin.end();
            d.process.kill();
          }),
      ),
    );
    await rm(this.#dir, { recursive: true, force: true });
  }

  get closing(): boolean {
    return this.#closing;
  }
}

/** Starts one pocketsphinx process per expectation; `onCrash` hears of a decoder that died while in use. */
export async function createPocketsphinx(
  models: Record<Expectation, DecoderModel>,
  options: { finishTimeoutMs?: number; onCrash?: (why: string) => void } = {},
): Promise<Recognizer> {
  const dir = await mkdtemp(join(tmpdir(), 'linekeeper-jsgf-'));
  let recognizer: PocketsphinxRecognizer | undefined;
  const onExit = (why: string) => {
    if (recognizer !== undefined && !recognizer.closing) options.onCrash?.(why);
  };
  const decoders = {} as Record<Expectation, Decoder>;
  const hmm = await lineAcousticModel(join(dir, 'hmm'));
  for (const [expect, model] of Object.entries(models) as [Expectation, DecoderModel][]) {
    decoders[expect] = new Decoder(
      ['-hmm', hmm, ...(await writeDecoderModel(model, join(dir, expect)))],
      onExit,
    );
  }
  recognizer = new PocketsphinxRecognizer(decoders, dir, options.finishTimeoutMs ?? 2000);
  return recognizer;
}

/**
 * pocketsphinx (Debian, English) as streaming child processes: one waits ready per expectation (open speech with
 * the shop's language model, yes/no and digits with grammars) with its model loaded, is fed 16 kHz audio while a
 * turn listens, and is ended by closing its input when the turn ends.
 *
 *   accept(16 kHz) ──dither──> sh -c 'cat | pocketsphinx_continuous -infile /dev/stdin -lm L -dict D' ──lines──> finish()
 *
 * `cat |` because pocketsphinx cannot open Node's socketpair stdin as /dev/stdin (speech-models.md §3.2).
 * End of input is the one signal pocketsphinx_continuous always obeys at once: it closes the open utterance,
 * prints its hypothesis and exits, so every line it printed belongs to this turn and the turn is finished when
 * the process is. (Fed silence instead, it ends an utterance only after its own VAD's 0.5 s, and when that had
 * already happened inside the turn no further line ever came: the turn waited for a timeout.) The next decoder
 * for an expectation starts, and loads its model, as soon as the last one is used up.
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

/** Low-level noise: pocketsphinx's VAD misjudges exact digital zeros (its noise-floor estimate). */
function dither(samples: Int16Array): Buffer {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = (samples[i] as number) + ((Math.random() * 5) | 0) - 2;
    out[i] = clampInt16(v);
  }
  return Buffer.from(out.buffer);
}

/** One pocketsphinx_continuous process, good for one turn. */
class Decoder {
  readonly process: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  /** Resolves once the process is gone and its output read. */
  readonly closed: Promise<void>;
  /** True once we closed its input or stopped it: an exit after that is not a crash. */
  ending = false;

  constructor(searchArgs: readonly string[], onCrash: (why: string) => void) {
    // Its own process group, so sh, cat and pocketsphinx can be stopped together.
    this.process = spawn(
      'sh',
      [
        '-c',
        'cat | exec pocketsphinx_continuous -infile /dev/stdin -logfn /dev/null "$@"',
        'pocketsphinx',
        ...searchArgs,
      ],
      { detached: true },
    );
    createInterface({ input: this.process.stdout }).on('line', (line) => {
      const text = line.trim();
      if (text !== '') this.lines.push(text);
    });
    this.process.stdin.on('error', () => {});
    // 'close' comes after the exit and the end of its output, so every line has been read by then.
    this.closed = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        if (!this.ending) onCrash(`pocketsphinx exited (code ${code}, signal ${signal})`);
        resolve();
      });
    });
  }

  /** Closes its input; pocketsphinx finishes the utterance, prints it and exits. */
  end(): void {
    this.ending = true;
    this.process.stdin.end();
  }

  /** Stops the whole pipeline at once. */
  kill(signal: NodeJS.Signals): void {
    this.ending = true;
    try {
      process.kill(-(this.process.pid as number), signal);
    } catch {
      // Already gone.
    }
  }
}

class PocketsphinxRecognizer implements Recognizer {
  readonly name = 'pocketsphinx';
  readonly #searchArgs: Record<Expectation, string[]>;
  readonly #ready = new Map<Expectation, Decoder>();
  readonly #dir: string;
  readonly #finishTimeoutMs: number;
  readonly #onCrash: (why: string) => void;
  #current: Decoder | undefined;
  #closing = false;

  constructor(options: {
    searchArgs: Record<Expectation, string[]>;
    dir: string;
    finishTimeoutMs: number;
    onCrash: (why: string) => void;
  }) {
    this.#searchArgs = options.searchArgs;
    this.#dir = options.dir;
    this.#finishTimeoutMs = options.finishTimeoutMs;
    this.#onCrash = (why) => {
      if (!this.#closing) options.onCrash(why);
    };
    for (const expect of Object.keys(this.#searchArgs) as Expectation[]) this.#prepare(expect);
  }

  /** Starts the next decoder for `expect` (it loads its model while nothing needs it yet). */
  #prepare(expect: Expectation): Decoder {
    const decoder = new Decoder(this.#searchArgs[expect], this.#onCrash);
    this.#ready.set(expect, decoder);
    return decoder;
  }

  begin(expect: Expectation): void {
    // A turn left unfinished gives its decoder up; nothing it heard can be answered any more.
    this.#current?.end();
    this.#current = this.#ready.get(expect) ?? this.#prepare(expect);
    this.#ready.delete(expect);
  }

  accept(samples: Int16Array): void {
    this.#current?.process.stdin.write(dither(samples));
  }

  async finish(): Promise<Recognition> {
    const decoder = this.#current;
    if (decoder === undefined) return { text: '' };
    this.#current = undefined;
    decoder.end();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#finishTimeoutMs);
    });
    const outcome = await Promise.race([decoder.closed, timedOut]);
    clearTimeout(timer);
    if (!this.#closing) {
      for (const expect of Object.keys(this.#searchArgs) as Expectation[])
        if (!this.#ready.has(expect)) this.#prepare(expect);
    }
    if (outcome === 'timeout') {
      // The worker fails this turn; the decoder served this turn only, so nothing else is lost.
      decoder.kill('SIGKILL');
      throw new LinekeeperError(
        ErrorCode.Speech_EngineFailed,
        `pocketsphinx gave no result within ${this.#finishTimeoutMs} ms of the end of the turn`,
      );
    }
    return { text: decoder.lines.join(' ') };
  }

  async close(): Promise<void> {
    this.#closing = true;
    const decoders = [...this.#ready.values(), ...(this.#current === undefined ? [] : [this.#current])];
    for (const d of decoders) d.kill('SIGTERM');
    await Promise.all(decoders.map((d) => d.closed));
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** Starts one pocketsphinx process per expectation; `onCrash` hears of a decoder that died other than at the end of a turn. */
export async function createPocketsphinx(
  models: Record<Expectation, DecoderModel>,
  options: { finishTimeoutMs?: number; onCrash?: (why: string) => void } = {},
): Promise<Recognizer> {
  const dir = await mkdtemp(join(tmpdir(), 'linekeeper-jsgf-'));
  const hmm = await lineAcousticModel(join(dir, 'hmm'));
  const searchArgs = {} as Record<Expectation, string[]>;
  for (const [expect, model] of Object.entries(models) as [Expectation, DecoderModel][]) {
    searchArgs[expect] = ['-hmm', hmm, ...(await writeDecoderModel(model, join(dir, expect)))];
  }
  return new PocketsphinxRecognizer({
    searchArgs,
    dir,
    finishTimeoutMs: options.finishTimeoutMs ?? 10_000,
    onCrash: (why) => options.onCrash?.(why),
  });
}

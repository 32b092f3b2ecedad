/**
 * pocketsphinx (Debian, English) as one persistent streaming child process for the life of the speech worker:
 * it loads the acoustic model and the dictionary once, holds a named search per expectation (open speech with the
 * shop's language model, yes/no and digits with grammars), and serves one turn at a time, fed 16 kHz audio while
 * the turn listens and asked for its final hypothesis when the turn ends.
 *
 *   accept(16 kHz) ──dither──> /usr/bin/python3 pocketsphinx_stream.py ──{"text"} per turn──> finish()
 *
 * Through the Python binding of Debian's libpocketsphinx (python3-pocketsphinx) because it starts and ends an
 * utterance on command: the turn's end is known to the speech worker (its VAD), and pocketsphinx_continuous,
 * which decides that with its own VAD, gave its final hypothesis only ~2 s later or not at all when its VAD had
 * already closed the utterance inside the turn. A process per turn avoided that but paid a model load per turn,
 * on the CPU the reply's synthesis needs.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clampInt16 } from '../../audio/frame.js';
import { ErrorCode, LinekeeperError } from '../../errors.js';
import type { Expectation, Recognition, Recognizer } from '../engines.js';
import type { DecoderModels } from './grammar.js';
import { lineAcousticModel } from './line-acoustic-model.js';

/** Debian's Python, which python3-pocketsphinx installs its module for. */
export const POCKETSPHINX_PYTHON = '/usr/bin/python3';
/** Where python3-pocketsphinx puts the module; the speech plan uses pocketsphinx only when it is there. */
export const POCKETSPHINX_MODULE = '/usr/lib/python3/dist-packages/pocketsphinx/__init__.py';

/** The decoder script, beside this module (the build copies it next to the compiled one). */
const DECODER_SCRIPT = fileURLToPath(new URL('pocketsphinx_stream.py', import.meta.url));

/** Low-level noise: pocketsphinx's VAD misjudges exact digital zeros (its noise-floor estimate). */
function dither(samples: Int16Array): Buffer {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = (samples[i] as number) + ((Math.random() * 5) | 0) - 2;
    out[i] = clampInt16(v);
  }
  return Buffer.from(out.buffer);
}

/** One frame to the decoder: kind byte, big-endian length, payload. */
function frame(kind: 'B' | 'A' | 'E', payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.write(kind, 0, 'latin1');
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

class PocketsphinxRecognizer implements Recognizer {
  readonly name = 'pocketsphinx';
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #finishTimeoutMs: number;
  /** Hypotheses asked for and not yet printed, oldest first. */
  readonly #waiting: ((text: string) => void)[] = [];
  readonly #closed: Promise<void>;
  #inTurn = false;
  #closing = false;
  #dead: string | undefined;

  constructor(
    process: ChildProcessWithoutNullStreams,
    lines: AsyncIterator<string>,
    options: { finishTimeoutMs: number; onCrash: (why: string) => void; stderr: () => string },
  ) {
    this.#process = process;
    this.#finishTimeoutMs = options.finishTimeoutMs;
    void (async () => {
      for (let next = await lines.next(); !next.done; next = await lines.next()) {
        const { text } = JSON.parse(next.value) as { text: string };
        this.#waiting.shift()?.(text);
      }
    })();
    this.#closed = new Promise((resolve) => {
      process.on('close', (code, signal) => {
        this.#dead = `pocketsphinx exited (code ${code}, signal ${signal})${options.stderr()}`;
        if (!this.#closing) options.onCrash(this.#dead);
        resolve();
      });
    });
  }

  #send(data: Buffer): void {
    if (this.#dead === undefined) this.#process.stdin.write(data);
  }

  begin(expect: Expectation): void {
    // A turn left unfinished is dropped by the decoder when the next one begins.
    this.#inTurn = true;
    this.#send(frame('B', Buffer.from(expect)));
  }

  accept(samples: Int16Array): void {
    if (this.#inTurn) this.#send(frame('A', dither(samples)));
  }

  async finish(): Promise<Recognition> {
    if (!this.#inTurn) return { text: '' };
    this.#inTurn = false;
    if (this.#dead !== undefined) throw new LinekeeperError(ErrorCode.Speech_EngineFailed, this.#dead);
    let timer: NodeJS.Timeout | undefined;
    const text = await Promise.race([
      new Promise<string>((resolve) => {
        this.#waiting.push(resolve);
        this.#send(frame('E'));
      }),
      this.#closed.then(() => undefined),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.#finishTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (text === undefined)
      throw new LinekeeperError(ErrorCode.Speech_EngineFailed, this.#dead ?? 'pocketsphinx exited');
    if (text === 'timeout') {
      // Its answers would no longer match their turns: stop it, and the worker restarts with a fresh one.
      this.#process.kill('SIGKILL');
      throw new LinekeeperError(
        ErrorCode.Speech_EngineFailed,
        `pocketsphinx gave no result within ${this.#finishTimeoutMs} ms of the end of the turn`,
      );
    }
    return { text };
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#process.stdin.end();
    this.#process.kill('SIGTERM');
    await this.#closed;
  }
}

/**
 * Starts the decoder with every expectation's search and waits until it has loaded them; `onCrash` hears of it
 * dying other than by close(). A decoder that cannot start (module missing, a model it cannot load) is
 * `Speech_EngineFailed` with pocketsphinx's own words.
 */
export async function createPocketsphinx(
  models: DecoderModels,
  options: { finishTimeoutMs?: number; startTimeoutMs?: number; onCrash?: (why: string) => void } = {},
): Promise<Recognizer> {
  // Its files are read while it starts and removed once it is ready, so none outlive a killed worker for long.
  const dir = await mkdtemp(join(tmpdir(), 'linekeeper-pocketsphinx-'));
  try {
    const searches: string[] = [];
    for (const [expect, search] of Object.entries(models.searches) as [
      Expectation,
      DecoderModels['searches'][Expectation],
    ][]) {
      const file = join(dir, `${expect}.${'jsgf' in search ? 'gram' : 'arpa'}`);
      await writeFile(file, 'jsgf' in search ? search.jsgf : search.arpa);
      searches.push(`${expect}:${'jsgf' in search ? 'jsgf' : 'lm'}:${file}`);
    }
    await writeFile(join(dir, 'words.dict'), models.dict);
    const hmm = await lineAcousticModel(join(dir, 'hmm'));
    if (!existsSync(POCKETSPHINX_MODULE))
      throw new LinekeeperError(
        ErrorCode.Speech_EngineFailed,
        `pocketsphinx's Python module is not installed (${POCKETSPHINX_MODULE}; apt install python3-pocketsphinx)`,
      );
    const child = spawn(POCKETSPHINX_PYTHON, [DECODER_SCRIPT, hmm, join(dir, 'words.dict'), ...searches]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.stdin.on('error', () => {});
    const tail = () => (stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').at(-1)}`);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const startTimeoutMs = options.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      lines.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), startTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (first === 'timeout' || first.done === true) {
      child.kill('SIGKILL');
      throw new LinekeeperError(
        ErrorCode.Speech_EngineFailed,
        first === 'timeout'
          ? `pocketsphinx did not load its models within ${startTimeoutMs} ms`
          : `pocketsphinx did not start${tail()}`,
      );
    }
    return new PocketsphinxRecognizer(child, lines, {
      finishTimeoutMs: options.finishTimeoutMs ?? 10_000,
      onCrash: (why) => options.onCrash?.(why),
      stderr: tail,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

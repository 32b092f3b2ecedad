/**
 * Picovoice Porcupine keyword spotting (`@picovoice/porcupine-node`, an optional package): custom keyword files
 * (.ppn, trained in Picovoice Console for the box's platform) and an AccessKey that Porcupine checks when it
 * starts. It cannot run without a valid key, so the tests here only cover that it is not selected without one.
 */
import { createRequire } from 'node:module';
import type { KeywordSpotter } from '../engines.js';

const PACKAGE = '@picovoice/porcupine-node';

/** What Porcupine needs. */
export interface PorcupineSpec {
  accessKey: string;
  /** Language model (.pv); undefined = the package's English one. */
  modelPath?: string;
  keywords: { file: string; phrase: string; sensitivity: number }[];
}

/** The parts of @picovoice/porcupine-node used here (it ships its own types, but is not a dependency). */
interface PorcupineHandle {
  readonly frameLength: number;
  readonly sampleRate: number;
  process(frame: Int16Array): number;
  release(): void;
}
type PorcupineModule = {
  Porcupine: new (
    accessKey: string,
    keywordPaths: string[],
    sensitivities: number[],
    modelPath?: string,
  ) => PorcupineHandle;
};

/** True when the optional package is installed. */
export function porcupineInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve(PACKAGE);
    return true;
  } catch {
    return false;
  }
}

class PorcupineSpotter implements KeywordSpotter {
  readonly name = 'porcupine';
  readonly #handle: PorcupineHandle;
  readonly #phrases: readonly string[];
  #pending: Int16Array;
  #filled = 0;

  constructor(handle: PorcupineHandle, phrases: readonly string[]) {
    this.#handle = handle;
    this.#phrases = phrases;
    this.#pending = new Int16Array(handle.frameLength);
  }

  accept(samples: Int16Array): string | undefined {
    let spotted: string | undefined;
    for (let i = 0; i < samples.length; ) {
      const take = Math.min(samples.length - i, this.#pending.length - this.#filled);
      this.#pending.set(samples.subarray(i, i + take), this.#filled);
      this.#filled += take;
      i += take;
      if (this.#filled < this.#pending.length) break;
      const index = this.#handle.process(this.#pending);
      this.#filled = 0;
      if (index >= 0) spotted ??= this.#phrases[index];
    }
    return spotted;
  }

  reset(): void {
    this.#filled = 0;
  }

  async close(): Promise<void> {
    this.#handle.release();
  }
}

/** Starts Porcupine; throws Porcupine's own error when the key, a keyword file or the model is refused. */
export async function createPorcupine(spec: PorcupineSpec): Promise<KeywordSpotter> {
  const { Porcupine } = createRequire(import.meta.url)(PACKAGE) as PorcupineModule;
  const handle = new Porcupine(
    spec.accessKey,
    spec.keywords.map((k) => k.file),
    spec.keywords.map((k) => k.sensitivity),
    spec.modelPath,
  );
  if (handle.sampleRate !== 16000) {
    handle.release();
    throw new TypeError(`Porcupine wants ${handle.sampleRate} Hz audio; the worker feeds 16000 Hz`);
  }
  return new PorcupineSpotter(
    handle,
    spec.keywords.map((k) => k.phrase),
  );
}

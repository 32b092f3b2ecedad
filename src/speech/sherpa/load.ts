/**
 * Loads the native sherpa-onnx addon on first use, so nothing loads it unless an engine needs it (the daemon
 * never does; only the speech worker).
 */
import { createRequire } from 'node:module';
import type { SherpaModule } from './types.js';

let loaded: SherpaModule | undefined;

/** The sherpa-onnx-node module (a CommonJS addon, required once). */
export async function loadSherpa(): Promise<SherpaModule> {
  loaded ??= createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
  return loaded;
}

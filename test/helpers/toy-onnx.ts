/** Generates the tiny deterministic CTC model (toy-onnx.py, Debian python3-onnx) for the real sherpa path. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Writes model.onnx and tokens.txt into `dir` and returns their paths. */
export function generateToyModel(dir: string): { model: string; tokens: string } {
  // Debian's interpreter: python3-onnx is installed for it (a pyenv or venv python3 on PATH may lack it).
  execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./toy-onnx.py', import.meta.url)), dir]);
  return { model: join(dir, 'model.onnx'), tokens: join(dir, 'tokens.txt') };
}

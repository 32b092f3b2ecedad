/**
 * Generates the tiny deterministic ONNX models (Debian python3-onnx) that drive sherpa-onnx's real code paths:
 * a CTC "tdnn" model for the OfflineRecognizer (toy-onnx.py) and a streaming zipformer transducer for the
 * OnlineRecognizer and the KeywordSpotter (toy-transducer.py).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function runGenerator(script: string, args: string[]): void {
  // Debian's interpreter: python3-onnx is installed for it (a pyenv or venv python3 on PATH may lack it).
  execFileSync('/usr/bin/python3', [fileURLToPath(new URL(script, import.meta.url)), ...args]);
}

/** Writes model.onnx and tokens.txt into `dir` and returns their paths. */
export function generateToyModel(dir: string): { model: string; tokens: string } {
  runGenerator('./toy-onnx.py', [dir]);
  return { model: join(dir, 'model.onnx'), tokens: join(dir, 'tokens.txt') };
}

/** The files of the generated transducer. */
export interface ToyTransducer {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
  bpeModel: string;
}

/**
 * Writes the toy transducer into `dir`. It emits 大家 for each burst of speech whose mean log-mel exceeds
 * `threshold` (人工 or PERSON when boosted), and nothing for quieter audio.
 */
export function generateToyTransducer(dir: string, threshold = -8): ToyTransducer {
  runGenerator('./toy-transducer.py', [dir, String(threshold)]);
  return {
    encoder: join(dir, 'encoder.onnx'),
    decoder: join(dir, 'decoder.onnx'),
    joiner: join(dir, 'joiner.onnx'),
    tokens: join(dir, 'tokens.txt'),
    bpeModel: join(dir, 'bpe.model'),
  };
}

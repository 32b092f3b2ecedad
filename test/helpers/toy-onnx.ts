/**
 * Generates the tiny deterministic ONNX models (Debian python3-onnx) that drive sherpa-onnx's real code paths:
 * a CTC "tdnn" model for the OfflineRecognizer (toy-onnx.py) and a streaming zipformer transducer for the
 * OnlineRecognizer and the KeywordSpotter (toy-transducer.py), and VITS and Matcha voices for the OfflineTts
 * (toy-vits.py, toy-matcha.py).
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

/** The files of a generated toy VITS voice. */
export interface ToyVits {
  model: string;
  tokens: string;
  lexicon: string;
}

/**
 * Writes the toy VITS voice into `dir` (toy-vits.py): each token of the text sounds as a tone of its own pitch for
 * 1100 samples at 22.05 kHz (the word separator is silent), two speakers a quarter apart in pitch. `English` uses
 * sherpa's lexicon front end for words, `Chinese` the one that splits CJK characters and keeps English words.
 * `omitMetadata` leaves a key sherpa requires out of the model, so loading it ends the process.
 */
export function generateToyVits(
  dir: string,
  language: 'English' | 'Chinese',
  omitMetadata?: 'comment',
): ToyVits {
  runGenerator('./toy-vits.py', [dir, language, ...(omitMetadata === undefined ? [] : [omitMetadata])]);
  return {
    model: join(dir, 'model.onnx'),
    tokens: join(dir, 'tokens.txt'),
    lexicon: join(dir, 'lexicon.txt'),
  };
}

/** The files of a generated toy Matcha voice. */
export interface ToyMatcha {
  acousticModel: string;
  vocoder: string;
  tokens: string;
  lexicon: string;
}

/**
 * Writes the toy Matcha voice into `dir` (toy-matcha.py): Chinese through sherpa's jieba front end, every token and
 * every pad between tokens a tone of 1024 samples at 22.05 kHz, from an acoustic model and a HiFi-GAN-typed vocoder.
 */
export function generateToyMatcha(dir: string): ToyMatcha {
  runGenerator('./toy-matcha.py', [dir]);
  return {
    acousticModel: join(dir, 'acoustic.onnx'),
    vocoder: join(dir, 'vocoder.onnx'),
    tokens: join(dir, 'tokens.txt'),
    lexicon: join(dir, 'lexicon.txt'),
  };
}

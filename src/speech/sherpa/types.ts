/** The parts of sherpa-onnx-node 1.13.8 Linekeeper uses (the package ships JSDoc only, no type declarations). */

/** Audio as sherpa takes and returns it. */
export interface Waveform {
  samples: Float32Array;
  sampleRate: number;
}

/** A VAD speech segment: samples and the start index at 16 kHz. */
export interface SpeechSegment {
  samples: Float32Array;
  start: number;
}

/** sherpa's voice-activity detector. */
export interface Vad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  front(enableExternalBuffer?: boolean): SpeechSegment;
  pop(): void;
  reset(): void;
  flush(): void;
}

/** One offline decoding result; SenseVoice adds lang/emotion/event tags like `<|en|>`. */
export interface OfflineResult {
  text: string;
  lang?: string;
  emotion?: string;
  event?: string;
  timestamps?: number[];
}

/** An offline stream. */
export interface OfflineStream {
  acceptWaveform(wave: Waveform): void;
}

/** An offline recognizer. */
export interface OfflineRecognizer {
  createStream(): OfflineStream;
  decode(stream: OfflineStream): void;
  getResult(stream: OfflineStream): OfflineResult;
}

/** The module's constructors used here. */
export interface SherpaModule {
  Vad: new (config: Record<string, unknown>, bufferSizeInSeconds: number) => Vad;
  OfflineRecognizer: new (config: Record<string, unknown>) => OfflineRecognizer;
  version: string;
}

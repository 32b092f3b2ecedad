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

/** A streaming stream (of an OnlineRecognizer or a KeywordSpotter). */
export interface OnlineStream {
  acceptWaveform(wave: Waveform): void;
  inputFinished(): void;
}

/** One streaming result so far. */
export interface OnlineResult {
  text: string;
  tokens: string[];
  /** Blank frames (of 4 feature frames, 40 ms) since the last token. */
  num_trailing_blanks?: number;
}

/** A streaming recognizer (transducer). */
export interface OnlineRecognizer {
  createStream(): OnlineStream;
  isReady(stream: OnlineStream): boolean;
  decode(stream: OnlineStream): void;
  isEndpoint(stream: OnlineStream): boolean;
  reset(stream: OnlineStream): void;
  getResult(stream: OnlineStream): OnlineResult;
}

/** What a keyword spotter found; `keyword` is empty while nothing was spotted. */
export interface KeywordResult {
  keyword: string;
  tokens: string[];
  timestamps: number[];
}

/** sherpa's keyword spotter (a transducer decoding only the given keywords). */
export interface KeywordSpotter {
  createStream(): OnlineStream;
  isReady(stream: OnlineStream): boolean;
  decode(stream: OnlineStream): void;
  reset(stream: OnlineStream): void;
  getResult(stream: OnlineStream): KeywordResult;
}

/** Audio an OfflineTts rendered: mono floats at the model's rate. */
export interface GeneratedAudio {
  samples: Float32Array;
  sampleRate: number;
}

/** sherpa's offline text-to-speech (VITS, Matcha, …) with one model loaded. */
export interface OfflineTts {
  /** Speakers of the model (0 or 1: a single-speaker model). */
  readonly numSpeakers: number;
  readonly sampleRate: number;
  /** Renders text on a libuv worker thread; rejects when the text has nothing the model can say. */
  generateAsync(request: { text: string; sid: number; speed: number }): Promise<GeneratedAudio>;
}

/** The module's constructors used here. */
export interface SherpaModule {
  Vad: new (config: Record<string, unknown>, bufferSizeInSeconds: number) => Vad;
  OfflineRecognizer: new (config: Record<string, unknown>) => OfflineRecognizer;
  OnlineRecognizer: new (config: Record<string, unknown>) => OnlineRecognizer;
  KeywordSpotter: new (config: Record<string, unknown>) => KeywordSpotter;
  OfflineTts: new (config: Record<string, unknown>) => OfflineTts;
  version: string;
}

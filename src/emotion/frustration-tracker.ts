/**
 * The caller's frustration over a call: per turn from the words, the voice (energy, pitch and speaking rate
 * against the caller's own first voiced turn) and the recognizer's emotion tag, combined by noisy-OR; and its
 * course, which decides escalation when it is high or keeps rising.
 */
import type { VoiceFeatures } from '../dialog/channel.js';

/** Frustration at or above this in one turn hands the caller to a person. */
export const HIGH_FRUSTRATION = 0.75;
/** Rising over this many turns in a row, ending at least at `RISING_FLOOR`, also hands them over. */
export const RISING_TURNS = 3;
/** The level a rising course must reach before it counts. */
export const RISING_FLOOR = 0.45;

/** Recognizer emotion tags (SenseVoice style) and how much frustration each signals. */
const TAGS: Record<string, number> = { ANGRY: 0.8, DISGUSTED: 0.6, SAD: 0.25, FEARFUL: 0.2, SURPRISED: 0.05 };

/** What one turn contributed. */
export interface TurnFrustration {
  words: number;
  voice: number;
  tag: number;
  /** The turn's combined score 0..1. */
  score: number;
}

function clamp(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Frustration signalled by a recognizer tag such as `ANGRY` or `<|ANGRY|>`. */
export function tagFrustration(tag: string | undefined): number {
  if (tag === undefined) return 0;
  return TAGS[tag.replace(/[<|>]/g, '').toUpperCase()] ?? 0;
}

/** Follows one caller's frustration through a call. */
export class FrustrationTracker {
  #baseline: VoiceFeatures | undefined;
  readonly #scores: number[] = [];

  /** Frustration signalled by the voice relative to the caller's own first voiced turn. */
  voiceFrustration(voice: VoiceFeatures | undefined): number {
    if (voice === undefined) return 0;
    if (this.#baseline === undefined) {
      this.#baseline = { ...voice };
      return 0;
    }
    const base = this.#baseline;
    // A short first answer has no pitch or rate (voice-features.ts): each comes from the first turn that has it.
    base.pitchHz ??= voice.pitchHz;
    base.rate ??= voice.rate;
    // Louder by 6 dB, 25 % higher pitch or 30 % faster speech each mean about as much as an irritated word.
    const louder = clamp((voice.energyDb - base.energyDb) / 12);
    const higher =
      voice.pitchHz !== undefined && base.pitchHz !== undefined && base.pitchHz > 0
        ? clamp((voice.pitchHz / base.pitchHz - 1) / 0.5)
        : 0;
    const faster =
      voice.rate !== undefined && base.rate !== undefined && base.rate > 0
        ? clamp((voice.rate / base.rate - 1) / 0.6)
        : 0;
    return clamp(1 - (1 - louder) * (1 - higher) * (1 - faster));
  }

  /** Adds a turn and returns its contribution. */
  observe(input: {
    words: number;
    voice?: VoiceFeatures;
    emotion?: string;
    bargedIn?: boolean;
  }): TurnFrustration {
    const voice = this.voiceFrustration(input.voice);
    const tag = tagFrustration(input.emotion);
    // Talking over the line is a mild sign of impatience.
    const barge = input.bargedIn ? 0.1 : 0;
    const score = clamp(1 - (1 - input.words) * (1 - voice * 0.8) * (1 - tag) * (1 - barge));
    const rounded = Math.round(score * 1000) / 1000;
    this.#scores.push(rounded);
    return { words: input.words, voice, tag, score: rounded };
  }

  /** Scores so far, one per speech turn. */
  get perTurn(): number[] {
    return [...this.#scores];
  }

  /** The highest score so far. */
  get peak(): number {
    return this.#scores.reduce((m, s) => Math.max(m, s), 0);
  }

  /** The latest score. */
  get current(): number {
    return this.#scores[this.#scores.length - 1] ?? 0;
  }

  /** True when the latest turn is high, or the last turns kept rising to a noticeable level. */
  get shouldEscalate(): boolean {
    if (this.current >= HIGH_FRUSTRATION) return true;
    const recent = this.#scores.slice(-RISING_TURNS);
    if (recent.length < RISING_TURNS) return false;
    const rising = recent.every((s, i) => i === 0 || s > (recent[i - 1] as number));
    return rising && this.current >= RISING_FLOOR;
  }

  /** A word for the caller's mood, for the owner's brief. */
  mood(lang: 'en' | 'zh'): string {
    const level = Math.max(this.current, this.peak * 0.8);
    if (lang === 'zh') return level >= HIGH_FRUSTRATION ? '很不满' : level >= 0.4 ? '有些着急' : '平静';
    return level >= HIGH_FRUSTRATION ? 'upset' : level >= 0.4 ? 'impatient' : 'calm';
  }
}

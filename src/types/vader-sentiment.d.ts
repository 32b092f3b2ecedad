/** Types for `vader-sentiment` (the package ships none). */
declare module 'vader-sentiment' {
  /** VADER scores: proportions of negative, neutral and positive text and the normalised compound −1..1. */
  export interface PolarityScores {
    neg: number;
    neu: number;
    pos: number;
    compound: number;
  }
  /** The VADER analyser. */
  export const SentimentIntensityAnalyzer: { polarity_scores(text: string): PolarityScores };
}

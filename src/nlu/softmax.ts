/**
 * Multinomial logistic regression over sparse binary features, trained with AdaGrad and stored quantized.
 * Small enough to train on a Pi in well under a second for a shop's few hundred examples, and explainable:
 * every feature has one weight per intent.
 */

/** One training example: feature indices, its class and its weight (classes are balanced by weight). */
export interface SparseExample {
  features: readonly number[];
  label: number;
  weight: number;
}

/** Float weights: `weights[feature * classes + class]`. */
export interface SoftmaxWeights {
  classes: number;
  featureCount: number;
  weights: Float32Array;
  bias: Float32Array;
}

/** Training settings. */
export interface TrainOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

/** Defaults that train the shop-sized problem to convergence without over-fitting its few FAQ examples. */
export const DEFAULT_TRAIN: TrainOptions = { epochs: 30, learningRate: 0.4, l2: 2e-4, seed: 7 };

/** A small deterministic PRNG (mulberry32), so that the same profile always trains the same model. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inputs(example: Pick<SparseExample, 'features'>): [number, number][] {
  // Length-normalised so that long utterances are not more confident merely for being long.
  const value = 1 / Math.sqrt(Math.max(1, example.features.length));
  return example.features.map((f) => [f, value]);
}

/** Class scores (logits) of an example. */
export function logits(model: SoftmaxWeights, example: Pick<SparseExample, 'features'>): Float64Array {
  const out = Float64Array.from(model.bias);
  for (const [f, v] of inputs(example)) {
    if (f >= model.featureCount) continue;
    const base = f * model.classes;
    for (let c = 0; c < model.classes; c++)
      out[c] = (out[c] as number) + v * (model.weights[base + c] as number);
  }
  return out;
}

/** Softmax of logits at a temperature. */
export function softmax(scores: Float64Array, temperature = 1): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) max = Math.max(max, s);
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = Math.exp(((scores[i] as number) - max) / temperature);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** Trains the model on examples. */
export function train(
  examples: readonly SparseExample[],
  classes: number,
  featureCount: number,
  options: TrainOptions = DEFAULT_TRAIN,
): SoftmaxWeights {
  const model: SoftmaxWeights = {
    classes,
    featureCount,
    weights: new Float32Array(featureCount * classes),
    bias: new Float32Array(classes),
  };
  const gradSq = new Float32Array(featureCount * classes).fill(1e-6);
  const biasSq = new Float32Array(classes).fill(1e-6);
  const prepared = examples.map((e) => ({ e, x: inputs(e) }));
  const random = prng(options.seed);
  const order = prepared.map((_, i) => i);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const index of order) {
      const { e, x } = prepared[index] as (typeof prepared)[number];
      const scores = Float64Array.from(model.bias);
      for (const [f, v] of x) {
        const base = f * classes;
        for (let c = 0; c < classes; c++)
          scores[c] = (scores[c] as number) + v * (model.weights[base + c] as number);
      }
      const p = softmax(scores);
      for (let c = 0; c < classes; c++) {
        const g = ((p[c] as number) - (c === e.label ? 1 : 0)) * e.weight;
        biasSq[c] = (biasSq[c] as number) + g * g;
        model.bias[c] =
          (model.bias[c] as number) - (options.learningRate * g) / Math.sqrt(biasSq[c] as number);
        for (const [f, v] of x) {
          const k = f * classes + c;
          const w = model.weights[k] as number;
          const gw = g * v + options.l2 * w;
          gradSq[k] = (gradSq[k] as number) + gw * gw;
          model.weights[k] = w - (options.learningRate * gw) / Math.sqrt(gradSq[k] as number);
        }
      }
    }
  }
  return model;
}

/** The model with weights quantized to int8, one scale per class (what is stored on disk). */
export interface QuantizedWeights {
  classes: number;
  featureCount: number;
  /** Base64 of the Int8Array of weights, `[feature * classes + class]`. */
  weights: string;
  scales: number[];
  bias: number[];
}

/** Quantizes weights to int8 with a per-class scale. */
export function quantize(model: SoftmaxWeights): QuantizedWeights {
  const scales: number[] = [];
  for (let c = 0; c < model.classes; c++) {
    let max = 0;
    for (let f = 0; f < model.featureCount; f++)
      max = Math.max(max, Math.abs(model.weights[f * model.classes + c] as number));
    scales.push(max === 0 ? 1 : max / 127);
  }
  const q = new Int8Array(model.weights.length);
  for (let i = 0; i < q.length; i++) {
    const c = i % model.classes;
    q[i] = Math.max(-127, Math.min(127, Math.round((model.weights[i] as number) / (scales[c] as number))));
  }
  return {
    classes: model.classes,
    featureCount: model.featureCount,
    weights: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64'),
    scales,
    bias: [...model.bias],
  };
}

/** Restores float weights from their quantized form; throws when the arrays do not fit together. */
export function dequantize(q: QuantizedWeights): SoftmaxWeights {
  const bytes = Buffer.from(q.weights, 'base64');
  if (
    bytes.length !== q.featureCount * q.classes ||
    q.scales.length !== q.classes ||
    q.bias.length !== q.classes
  )
    throw new Error(
      `quantized model is inconsistent: ${bytes.length} weights for ${q.featureCount} features × ${q.classes} classes`,
    );
  const ints = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const weights = new Float32Array(ints.length);
  for (let i = 0; i < ints.length; i++)
    weights[i] = (ints[i] as number) * (q.scales[i % q.classes] as number);
  return { classes: q.classes, featureCount: q.featureCount, weights, bias: Float32Array.from(q.bias) };
}

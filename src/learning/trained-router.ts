import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { extractFeatures, featureLength, type FeatureSpec } from '../features/text-features.js';
import { DENSE_FEATURES } from '../features/text-statistics.js';
import { describeZodIssues } from '../util/describe-zod-issues.js';
import { predictLinear, type LinearModel } from './logistic-regression.js';

export const TRAINED_ROUTER_FORMAT = 'switchyard.trained-router';
export const TRAINED_ROUTER_VERSION = 1;

/** What `switchyard train` measured on the examples it held out; kept in the file for the record. */
export type HoldoutReport = {
  examples: number;
  /** Per model: mean score, mean prediction, log loss, and AUC (undefined for graded scores or one class). */
  models: Record<string, { meanScore: number; meanPredicted: number; logLoss: number; auc: number | undefined }>;
  /** For two models, RouteLLM's metrics of the predicted gain on the held-out part. */
  twoModel: { strong: string; weak: string; apgr: number | undefined; cpt50: number | undefined; cpt80: number | undefined } | undefined;
};

export type TrainingRecord = {
  data: string;
  examples: number;
  seed: number;
  holdoutFraction: number;
  options: Record<string, number>;
  holdout: HoldoutReport | undefined;
};

const FeatureSpecSchema = z.strictObject({
  dimensions: z
    .number()
    .int()
    .min(16)
    .max(1 << 24)
    .refine((value) => (value & (value - 1)) === 0, { error: 'expected a power of two' }),
  word_ngrams: z.number().int().min(1).max(2),
  char_ngrams: z.strictObject({ min: z.number().int().min(1), max: z.number().int().max(8) }).nullable(),
  dense: z
    .strictObject({ scale: z.number().nonnegative(), mean: z.array(z.number()), std: z.array(z.number().nonnegative()) })
    .refine((dense) => dense.mean.length === DENSE_FEATURES.length && dense.std.length === DENSE_FEATURES.length, {
      error: `expected mean and std of the ${DENSE_FEATURES.length} dense features`,
    })
    .nullable(),
});

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'expected base64' });

const ModelWeightsSchema = z.strictObject({
  name: z.string().min(1),
  bias: z.number(),
  /** Non-zero weights only: bucket indices (Int32, little-endian) and values (Float32), base64. */
  indices: base64,
  values: base64,
});

const FileSchema = z.looseObject({
  format: z.literal(TRAINED_ROUTER_FORMAT),
  version: z.literal(TRAINED_ROUTER_VERSION),
  features: FeatureSpecSchema,
  models: z.array(ModelWeightsSchema).min(1),
  training: z.unknown().optional(),
});

export type TrainedRouterFile = z.input<typeof FileSchema> & { training?: TrainingRecord };

export class TrainedRouterError extends Error {}

/** A router file's version as traces show it: the same bytes, the same version, whoever wrote them. */
export function trainedRouterVersion(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

function encode(array: Int32Array | Float32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

function decode<T extends Int32Array | Float32Array>(text: string, make: (buffer: ArrayBuffer) => T): T {
  const bytes = Buffer.from(text, 'base64');
  // Copied into a fresh, aligned buffer: Buffer's pool may hand out an unaligned view.
  const aligned = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(aligned).set(bytes);
  return make(aligned);
}

/**
 * A router trained by `switchyard train`: predicts, for a prompt, each model's score (the chance
 * it answers well). One linear model per scored model over shared text features, so a prediction
 * is one feature pass plus a dot product per model: tens of microseconds.
 */
export class TrainedRouter {
  readonly models: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(
    readonly features: FeatureSpec,
    private readonly linear: readonly LinearModel[],
    models: readonly string[],
    readonly training: TrainingRecord | undefined,
    /** The file's version: the first 12 hex digits of the sha256 of its bytes; undefined for a router not read from a file. */
    readonly version?: string,
  ) {
    this.models = models;
    this.index = new Map(models.map((name, position) => [name, position]));
  }

  static load(path: string): TrainedRouter {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      throw new TrainedRouterError(`cannot read trained router ${path}: ${(error as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new TrainedRouterError(`${path} is not JSON (${(error as Error).message}); expected a file written by \`switchyard train\``);
    }
    return TrainedRouter.fromJSON(value, path, trainedRouterVersion(bytes));
  }

  static fromJSON(value: unknown, source: string, version?: string): TrainedRouter {
    const parsed = FileSchema.safeParse(value);
    if (!parsed.success) {
      const issue = describeZodIssues(parsed.error.issues, value, FileSchema)[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new TrainedRouterError(`${source} is not a trained router file: ${where}${issue?.message ?? 'invalid'}`);
    }
    const file = parsed.data;
    const features: FeatureSpec = {
      dimensions: file.features.dimensions,
      wordNgrams: file.features.word_ngrams,
      charNgrams: file.features.char_ngrams ?? undefined,
      dense: file.features.dense ?? undefined,
    };
    const length = featureLength(features);
    const names = new Set<string>();
    const linear = file.models.map((model) => {
      if (names.has(model.name)) throw new TrainedRouterError(`${source}: model "${model.name}" appears twice`);
      names.add(model.name);
      const indices = decode(model.indices, (buffer) => new Int32Array(buffer));
      const values = decode(model.values, (buffer) => new Float32Array(buffer));
      if (indices.length !== values.length) throw new TrainedRouterError(`${source}: model "${model.name}" has ${indices.length} indices but ${values.length} values`);
      const weights = new Float32Array(length);
      for (let k = 0; k < indices.length; k++) {
        const at = indices[k] as number;
        if (at < 0 || at >= length) throw new TrainedRouterError(`${source}: model "${model.name}" has a weight at ${at}, outside 0..${length - 1}`);
        weights[at] = values[k] as number;
      }
      return { weights, bias: model.bias };
    });
    return new TrainedRouter(features, linear, [...names], file.training as TrainingRecord | undefined, version);
  }

  has(model: string): boolean {
    return this.index.has(model);
  }

  /** Predicted score of every model, in `models` order. */
  predict(text: string, turns = 1): Float64Array {
    const x = extractFeatures(text, this.features, turns);
    const out = new Float64Array(this.linear.length);
    for (let position = 0; position < this.linear.length; position++) out[position] = predictLinear(this.linear[position] as LinearModel, x);
    return out;
  }

  position(model: string): number | undefined {
    return this.index.get(model);
  }

  toJSON(): TrainedRouterFile {
    return {
      format: TRAINED_ROUTER_FORMAT,
      version: TRAINED_ROUTER_VERSION,
      features: {
        dimensions: this.features.dimensions,
        word_ngrams: this.features.wordNgrams,
        char_ngrams: this.features.charNgrams ?? null,
        dense: this.features.dense ? { scale: this.features.dense.scale, mean: [...this.features.dense.mean], std: [...this.features.dense.std] } : null,
      },
      models: this.linear.map((model, position) => {
        const nonZero: number[] = [];
        model.weights.forEach((weight, at) => {
          if (weight !== 0) nonZero.push(at);
        });
        return {
          name: this.models[position] as string,
          bias: model.bias,
          indices: encode(Int32Array.from(nonZero)),
          values: encode(Float32Array.from(nonZero, (at) => model.weights[at] as number)),
        };
      }),
      ...(this.training ? { training: this.training } : {}),
    };
  }
}

import type { EmbeddingModel } from './embedding-model.js';
import type { LanguageModel } from './language-model.js';
import type { ModerationModel } from './moderation-model.js';
import type { ModelApi, ModelSpec } from './model-spec.js';
import type { ReliabilityOverrides } from './reliability.js';

/** Set when a provider cannot be used because variables it references are unset. */
export type ProviderDisabled = { missingEnv: string[] };

/** What the settings of every provider (a resolved `providers:` entry) hold, whatever its `type`. */
export type ProviderBase = {
  name: string;
  disabled: ProviderDisabled | undefined;
  /** Settings for every model of this provider, under each model's own. */
  reliability: ReliabilityOverrides;
  /** The upstream's base URL, for telemetry's `server.address` (never its key); undefined when none (in-process, or unset). */
  upstreamUrl: string | undefined;
  /** The wire API its models use unless a model's own `api` says otherwise; set only by providers that speak more than one (see `ModelApi`). */
  api?: ModelApi;
};

/** One configured upstream (a `providers:` entry): owns its connection pool and credentials. */
export interface Provider {
  readonly name: string;
  /** Called once per catalog model at startup, never per request. */
  languageModel(spec: ModelSpec): LanguageModel;
  /** Absent when the wire format has no embeddings endpoint. Called once per embedding model (`embedding` set) and encoder model at startup. */
  embeddingModel?(spec: ModelSpec): EmbeddingModel;
  /** Absent when the wire format has no moderation endpoint. Called once per model a router's `guard: { type: moderation }` names, at startup. */
  moderationModel?(spec: ModelSpec): ModerationModel;
  /** Resolves when the provider can serve; the gateway awaits it at startup. */
  ready?(): Promise<void>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

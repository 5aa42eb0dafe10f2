import { z } from 'zod';
import { AllowedHostSchema, AuthModeSchema, CorsSchema } from './server-access-schema.js';
import { ServerLimitFields } from './server-limits-schema.js';
import { PROVIDERS } from '../providers/provider-registry.js';
import { TargetSchema } from '../routing/policies/policy-registry.js';
import { StickyFields } from '../routing/policies/sticky/conversation-memory.js';
import { ByteSizeSchema } from '../util/byte-size-schema.js';
import { GuardSchema } from './guard-schema.js';
import { OnBudgetSchema } from './on-budget-schema.js';
import { ShadowSchema } from './shadow-schema.js';
import { NonEmptyString, PositiveMilliseconds } from '../util/schema-parts.js';
import type { ConditionInput } from '../routing/signals/condition-input.js';
import { type ModelAliasesSchema, ModelGlobSchema } from './model-aliases-schema.js';
import type { BudgetsSchema, TeamSchema } from './teams-schema.js';
import type { StateSchema } from './state-schema.js';
import type { DriftSchema } from './drift-schema.js';

/**
 * The `switchyard.yaml` schema. Every object is strict: an unknown key is an error, because a
 * misspelt key silently ignored is a routing bug in production.
 */

const nonEmpty = NonEmptyString;

/**
 * Names of providers, models, routers and routes. They travel in response headers
 * (`x-switchyard-route`), so they are kept to characters that are safe there.
 */
export const NameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, {
  error: 'expected a name made of letters, digits and . _ : / @ + - (starting with a letter or digit)',
});

/** A port from YAML or from `${PORT}` (which arrives as a string). */
const PortSchema = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)], {
  error: 'expected a port number',
}).pipe(z.number().int().min(0, { error: 'expected a port between 0 and 65535' }).max(65535, { error: 'expected a port between 0 and 65535' }));

export const ServerSchema = z.strictObject({
  host: nonEmpty.default('127.0.0.1'),
  port: PortSchema.default(8787),
  auth: AuthModeSchema.default('api_keys'),
  /** Gateway keys clients must send as `Authorization: Bearer`. An empty entry (an unset `${VAR}`) is an error unless `auth: none`. */
  api_keys: z.array(z.string()).default([]),
  /** Keys that may use the admin API (`/admin/keys…`) and read every caller's traces; the same rules as `api_keys`, and never one of them. */
  admin_keys: z.array(z.string()).default([]),
  /** Label the request and cost metrics with the virtual key's name and team (off: no such labels; one series per key when on). */
  metrics_key_labels: z.boolean().default(false),
  /** Host names served besides localhost names and addresses (unset: any, unless bound to loopback). */
  allowed_hosts: z.array(AllowedHostSchema).optional(),
  cors: CorsSchema.optional(),
  max_body_size: ByteSizeSchema.default(32 * 1024 * 1024),
  /** Sum of the bodies of all requests in flight; past it a new body is refused with a 503 and retry-after. */
  max_inflight_body_size: ByteSizeSchema.default(128 * 1024 * 1024),
  /**
   * On SIGTERM/SIGINT, how long requests in flight may take to finish before the rest are cut (a
   * stream ends with a `shutdown` error event). 25 s: under Kubernetes' default 30 s grace period, with
   * time left to cut, flush the traces and exit before the SIGKILL.
   */
  shutdown_grace_ms: z.number().int().nonnegative().default(25_000),
  ...ServerLimitFields,
});

export const StorageSchema = z.strictObject({
  /** The SQLite trace store `switchyard serve` writes (`:memory:` keeps traces for the process only). */
  path: nonEmpty.default('./switchyard.db'),
  /** A PostgreSQL database instead of `path`, for traces, feedback, keys, spend and stored responses: what many gateways share. */
  postgres: z.strictObject({ url: z.string().regex(/^postgres(ql)?:\/\/./, { error: 'expected a postgres:// or postgresql:// URL' }) }).optional(),
  /** Keep the client's messages with each trace (off: a short preview of the last user message and its hash). */
  store_prompts: z.boolean().default(false),
  /** Traces older than this, or beyond this many, are deleted (with their feedback). */
  retention: z
    .strictObject({ max_age_days: z.number().positive().default(30), max_rows: z.number().int().positive().default(1_000_000) })
    .default({ max_age_days: 30, max_rows: 1_000_000 }),
  /** Embeddings of route examples from a model encoder, kept across restarts (default: beside `path`). */
  embedding_cache: nonEmpty.optional(),
});

const Milliseconds = z.number().int().nonnegative();

/** Retries of the same model. Every field optional: unset ones come from the provider, then the defaults. */
export const RetrySchema = z.strictObject({
  max_attempts: z.number().int().min(1).max(10).optional(),
  initial_delay_ms: Milliseconds.optional(),
  max_delay_ms: Milliseconds.optional(),
  max_retry_after_ms: Milliseconds.optional(),
});

export const TimeoutSchema = z.strictObject({
  connect_ms: PositiveMilliseconds.optional(),
  first_token_ms: PositiveMilliseconds.optional(),
  total_ms: PositiveMilliseconds.optional(),
  /** The request's whole budget on this model (attempts, backoffs, fallbacks), from its arrival. */
  request_ms: PositiveMilliseconds.optional(),
});

export const CircuitBreakerSchema = z.strictObject({
  consecutive_failures: z.number().int().min(1).optional(),
  error_rate: z.number().gt(0).max(1).optional(),
  window_ms: PositiveMilliseconds.optional(),
  min_requests: z.number().int().min(1).optional(),
  cooldown_ms: PositiveMilliseconds.optional(),
});

/** Reliability settings a provider (for all its models) or a model may set. */
const ReliabilityFields = {
  retry: RetrySchema.optional(),
  timeout: TimeoutSchema.optional(),
  circuit_breaker: CircuitBreakerSchema.optional(),
};

export type ReliabilityInput = z.infer<ReturnType<typeof z.object<typeof ReliabilityFields>>>;

/** A `providers:` entry: its type's keys (from its definition in `providers/`) and the shared reliability keys. */
const providerEntrySchemas = PROVIDERS.map((definition) => z.strictObject({ ...definition.shape, ...ReliabilityFields }));

export const ProviderSchema = z.discriminatedUnion('type', providerEntrySchemas as [(typeof providerEntrySchemas)[number], ...(typeof providerEntrySchemas)[number][]], {
  error: `expected a provider object with ${PROVIDERS.map((definition) => `\`type: ${definition.type}\``).join(' or ')}`,
});

export const PriceSchema = z.strictObject({
  input: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
  /** Cache writes that hold for an hour (Anthropic's `ttl: 1h`), where billed apart. */
  cache_write_1h: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
});

export const CapabilitiesSchema = z.strictObject({
  tools: z.boolean().optional(),
  json_schema: z.boolean().optional(),
  vision: z.boolean().optional(),
  streaming: z.boolean().optional(),
  reasoning: z.boolean().optional(),
  builtin_tools: z.boolean().optional(),
});

/** A `models:` entry as written. Fields may be omitted when a built-in catalog entry supplies them. */
export const ModelEntrySchema = z.strictObject({
  /** Built-in catalog entry to start from; defaults to the entry of the same name, if any. */
  from: nonEmpty.optional(),
  provider: nonEmpty.optional(),
  model: nonEmpty.optional(),
  /** Partial prices override the built-in entry's field by field. */
  price: PriceSchema.partial().optional(),
  context_window: z.number().int().positive().optional(),
  max_output: z.number().int().positive().optional(),
  capabilities: CapabilitiesSchema.optional(),
  /** The wire API it is called through (`chat` or `responses`), at a provider that speaks both; defaults to the built-in entry's, then the provider's. */
  api: z.enum(['chat', 'responses']).optional(),
  /** Marks an embedding model (served at `/v1/embeddings`, never picked for chat) and the length of its vectors. */
  embedding: z.strictObject({ dimensions: z.number().int().positive() }).optional(),
  /** The provider's quota for this deployment: requests and tokens per minute; routing avoids it while full. */
  limits: z
    .strictObject({ rpm: z.number().int().positive().optional(), tpm: z.number().int().positive().optional() })
    .refine((limits) => limits.rpm !== undefined || limits.tpm !== undefined, { error: 'expected rpm, tpm or both' })
    .optional(),
  ...ReliabilityFields,
});

const MetadataMatchSchema = z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]), {
  error: 'expected a map of metadata keys to a value or a list of values',
});

/** A route's `when`: matches if any of its tests matches; `all` requires several, `not` inverts. */
export const ConditionSchema: z.ZodType<ConditionInput> = z
  .strictObject({
    keywords: z.array(z.string().regex(/\S/, { error: 'expected a keyword or phrase, not blank' })).min(1).optional(),
    regex: z.array(nonEmpty).min(1).optional(),
    metadata: MetadataMatchSchema.optional(),
    /** The complexity score (0..1) is within [min, max]. */
    complexity: z
      .strictObject({ min: z.number().min(0).max(1).optional(), max: z.number().min(0).max(1).optional() })
      .refine((range) => range.min !== undefined || range.max !== undefined, { error: 'expected min, max or both' })
      .refine((range) => range.min === undefined || range.max === undefined || range.min <= range.max, { error: 'expected min <= max' })
      .optional(),
    /** Example prompts: matches when this route's examples are the most similar to the request, at least `threshold`. */
    examples: z.array(z.string().regex(/\S/, { error: 'expected an example prompt, not blank' })).min(1).optional(),
    /** Cosine similarity (-1..1) the best example must reach; defaults to the encoder's. */
    threshold: z.number().min(-1).max(1).optional(),
    /** The model name the client sent matches this glob or one of these (case-insensitive). */
    requested_model: z.union([ModelGlobSchema, z.array(ModelGlobSchema).min(1)], { error: 'expected a glob (`claude-*haiku*`) or a list of globs' }).optional(),
    /** The request declares tools (true) or none (false). */
    has_tools: z.boolean().optional(),
    /** A message has an image (true) or none does (false). */
    has_images: z.boolean().optional(),
    /** The client asked for reasoning (`reasoning_effort`, `thinking`) (true) or did not (false). */
    thinking: z.boolean().optional(),
    /** The whole prompt (messages and tools) has at least / at most this many tokens; both together are one range. */
    min_tokens: z.number().int().nonnegative().optional(),
    max_tokens: z.number().int().nonnegative().optional(),
    get any() {
      return z.array(ConditionSchema).min(1).optional();
    },
    get all() {
      return z.array(ConditionSchema).min(1).optional();
    },
    get not() {
      return ConditionSchema.optional();
    },
  })
  .refine((condition) => Object.entries(condition).some(([key, value]) => key !== 'threshold' && value !== undefined), {
    error: 'expected at least one of keywords, regex, metadata, complexity, examples, requested_model, has_tools, has_images, thinking, min_tokens, max_tokens, any, all, not',
  })
  .refine((condition) => condition.min_tokens === undefined || condition.max_tokens === undefined || condition.min_tokens <= condition.max_tokens, {
    error: 'expected min_tokens <= max_tokens',
    path: ['max_tokens'],
  })
  .refine((condition) => condition.threshold === undefined || condition.examples !== undefined, {
    error: '`threshold` applies to `examples`: add examples beside it',
  });

export const RouteSchema = z
  .strictObject({
    description: z.string().optional(),
    when: ConditionSchema.optional(),
    target: TargetSchema.optional(),
    /** Answer with this message without calling any model. */
    block: nonEmpty.optional(),
    system: nonEmpty.optional(),
    system_merge: z.enum(['prepend', 'append', 'replace']).default('prepend'),
    /** Fail over when a model refuses on content policy (off: the refusal is the answer). */
    failover_on_content_filter: z.boolean().default(false),
    /** This route decides even for a conversation its router's `sticky` holds on a model. */
    override_sticky: z.boolean().default(false),
  })
  .refine((route) => (route.target === undefined) !== (route.block === undefined), {
    error: 'expected exactly one of `target` (a model or policy) or `block` (a message)',
  });

/** A router without its routes, which are validated one by one (see validate-config.ts). */
export const RouterShellSchema = z.strictObject({
  description: z.string().optional(),
  /** What "no routing" would have used: the baseline for savings. */
  reference: nonEmpty.optional(),
  /** Which text the rules read. */
  match_on: z.enum(['last_user', 'user', 'all']).default('last_user'),
  /**
   * `trained`: predicts each model's score for a prompt (needed by `cheapest_above`,
   * `strong_weak` and `utility`). `llm`: a model names the route from the routes' descriptions.
   */
  classifier: z
    .discriminatedUnion(
      'type',
      [
        z.strictObject({ type: z.literal('trained'), path: nonEmpty }),
        z.strictObject({
          type: z.literal('llm'),
          model: nonEmpty,
          /** Replaces the instructions; `{routes}` in it is replaced by the list of routes (else appended). */
          prompt: nonEmpty.optional(),
          timeout_ms: PositiveMilliseconds.default(2_000),
          /** Recent answers by text; `size: 0` turns the cache off. */
          cache: z.strictObject({ size: z.number().int().nonnegative().default(10_000), ttl_ms: PositiveMilliseconds.default(600_000) }).default({ size: 10_000, ttl_ms: 600_000 }),
          /** Only the start of a long prompt is sent to the classifier. */
          max_chars: z.number().int().positive().default(4_000),
        }),
      ],
      { error: 'expected { type: trained, path: FILE } (a file written by `switchyard train`) or { type: llm, model: MODEL }' },
    )
    .optional(),
  /** A safety check before routing (Llama Guard or a moderation endpoint): see `guard-schema.ts`. */
  guard: GuardSchema.optional(),
  /** What to do as the caller's budget runs low: see `on-budget-schema.ts`. */
  on_budget: OnBudgetSchema.optional(),
  /** Shadow evaluation: a sample of requests answered again by other models, judged in the background (`shadow-schema.ts`). */
  shadow: ShadowSchema.optional(),
  /** What turns prompts into vectors for routes with `examples`: the built-in local encoder, or an embeddings model of the catalog. */
  encoder: z
    .union([
      z.literal('local'),
      z.strictObject({
        model: nonEmpty,
        timeout_ms: PositiveMilliseconds.default(1_000),
        cache: z.strictObject({ size: z.number().int().nonnegative().default(10_000), ttl_ms: PositiveMilliseconds.default(600_000) }).default({ size: 10_000, ttl_ms: 600_000 }),
      }),
    ], { error: 'expected `local` or { model: EMBEDDING_MODEL, timeout_ms? }' })
    .default('local'),
  routes: z.record(z.string(), z.unknown()).default({}),
  default: TargetSchema,
  /** model → models to try next when it fails. */
  fallbacks: z.record(z.string(), z.array(nonEmpty).min(1)).default({}),
  /** Keep each conversation on the model that served its previous turn while its prompt cache is warm, whatever route its turn takes. */
  sticky: z.strictObject(StickyFields).optional(),
});

/** The top level: each section's entries are validated one by one, so one bad entry hides no other error. */
export const TopLevelSchema = z.strictObject({
  server: z.unknown().optional(),
  storage: z.unknown().optional(),
  providers: z.record(z.string(), z.unknown()).optional(),
  models: z.record(z.string(), z.unknown()).optional(),
  routers: z.record(z.string(), z.unknown()).optional(),
  /** Checked on its own (validate-config.ts), so a bad alias hides no other error. */
  model_aliases: z.unknown().optional(),
  /** Limits and budgets shared by the virtual keys of each team. */
  teams: z.record(z.string(), z.unknown()).optional(),
  budgets: z.unknown().optional(),
  /** Shared state for many gateways (`state-schema.ts`). */
  state: z.unknown().optional(),
  /** The drift alarm (`drift-schema.ts`). */
  drift: z.unknown().optional(),
});

export type ParsedProvider = z.output<typeof ProviderSchema>;
export type ParsedModelEntry = z.output<typeof ModelEntrySchema>;
export type ParsedRoute = z.output<typeof RouteSchema>;
export type ParsedRouter = Omit<z.output<typeof RouterShellSchema>, 'routes'> & { routes: Record<string, ParsedRoute> };

/** The valid part of a config, with the names of entries that had errors (already reported). */
export type ParsedConfig = {
  server: z.output<typeof ServerSchema>;
  storage: z.output<typeof StorageSchema>;
  providers: Record<string, ParsedProvider>;
  models: Record<string, ParsedModelEntry>;
  routers: Record<string, ParsedRouter>;
  /** Requested model globs → router or model name, in the order written. */
  model_aliases: z.output<typeof ModelAliasesSchema>;
  teams: Record<string, z.output<typeof TeamSchema>>;
  budgets: z.output<typeof BudgetsSchema>;
  state: z.output<typeof StateSchema>;
  drift: z.output<typeof DriftSchema>;
  invalid: { providers: ReadonlySet<string>; models: ReadonlySet<string> };
};

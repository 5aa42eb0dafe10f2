import type { z } from 'zod';
import type { Provider, ProviderBase } from '../spec/provider.js';

/** What config resolves for every provider, whatever its `type`; the definition supplies the rest. */
export type SharedProviderSettings = Pick<ProviderBase, 'name' | 'disabled' | 'reliability'>;

/** What config hands a definition's `resolve`. */
export type ProviderResolveContext = {
  /** Variables its entry references are unset: empty values are expected then, not errors. */
  disabled: boolean;
  /** Reports what is wrong at `key` of this provider's entry (config adds the file, line and entry). */
  report(key: string, message: string): void;
};

/**
 * One provider `type`: its `providers:` entry schema, its settings, and its factory. Config builds
 * the entry schema and resolves entries through these, so it never branches on a provider type.
 */
export interface ProviderDefinition<Type extends string, Shape extends z.ZodRawShape, Settings extends ProviderBase & { type: Type }> {
  readonly type: Type;
  /** The keys of its `providers:` entry, `type: z.literal(type)` first; config adds the reliability keys every provider shares. */
  readonly shape: Shape;
  /** The checked entry (snake_case) → its settings, less the shared ones. */
  resolve(entry: z.output<z.ZodObject<Shape>>, context: ProviderResolveContext): Omit<Settings, keyof SharedProviderSettings>;
  create(settings: Settings): Provider;
}

/** Infers a definition's types from its object literal. */
export function defineProvider<Type extends string, Shape extends z.ZodRawShape & { type: z.ZodLiteral<Type> }, Settings extends ProviderBase & { type: Type }>(
  definition: ProviderDefinition<Type, Shape, Settings>,
): ProviderDefinition<Type, Shape, Settings> {
  return definition;
}

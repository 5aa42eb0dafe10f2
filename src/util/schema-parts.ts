import { z } from 'zod';

/** Schema parts the config's owners share (config, policies, providers): one wording for each error. */

export const NonEmptyString = z.string().min(1, { error: 'expected a non-empty string' });

export const PositiveMilliseconds = z.number().int().positive();

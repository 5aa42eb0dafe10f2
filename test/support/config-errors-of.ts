import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors/config-error.js';

/** The ConfigError a config text is rejected with (as `switchyard.yaml`); throws if it is accepted. */
export function configErrorsOf(yaml: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(yaml, 'switchyard.yaml', { env });
  } catch (error) {
    if (ConfigError.isInstance(error) && error.kind === 'config') return error as ConfigError;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

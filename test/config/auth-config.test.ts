import { describe, expect, it } from 'vitest';
import { loadQuickstartConfig, parseConfig } from '../../src/config/load-config.js';
import { configErrorsOf } from '../support/config-errors-of.js';


describe('gateway keys fail closed', () => {
  it('rejects a key whose variable is unset, naming the file, line, key and what was expected', () => {
    const error = configErrorsOf('server:\n  port: 8787\n  api_keys: ["${SWITCHYARD_API_KEY}"]\n');
    expect(error.issues).toEqual([
      {
        path: 'server.api_keys.0',
        message:
          'environment variable SWITCHYARD_API_KEY is not set, so this gateway key would be empty; expected a key: set the variable, or write `auth: none` under `server:` to run without gateway keys',
        line: 3,
        column: 14,
      },
    ]);
    expect(error.message).toContain('switchyard.yaml:3:14: server.api_keys.0: environment variable SWITCHYARD_API_KEY is not set');
  });

  it('rejects an empty key, a blank one, an explicit empty default, and a key left incomplete', () => {
    const error = configErrorsOf('server:\n  api_keys:\n    - ""\n    - "  "\n    - "${KEY:-}"\n    - "sk-${SUFFIX}"\n    - good-key\n');
    expect(error.issues.map((issue) => [issue.path, issue.line, issue.message])).toEqual([
      ['server.api_keys.0', 3, 'expected a non-empty gateway key, found ""; remove the entry, or write `auth: none` under `server:` to run without gateway keys'],
      ['server.api_keys.1', 4, 'expected a non-empty gateway key, found "  "; remove the entry, or write `auth: none` under `server:` to run without gateway keys'],
      ['server.api_keys.2', 5, 'expected a non-empty gateway key, found ""; remove the entry, or write `auth: none` under `server:` to run without gateway keys'],
      [
        'server.api_keys.3',
        6,
        'environment variable SUFFIX is not set, so this gateway key would be incomplete; expected a key: set the variable, or write `auth: none` under `server:` to run without gateway keys',
      ],
    ]);
  });

  it('with auth: none, drops the keys that came out empty and keeps the others', () => {
    const open = parseConfig('server:\n  auth: none\n  api_keys: ["${SWITCHYARD_API_KEY}", ""]\n', 'x.yaml', { env: {} });
    expect(open.server).toMatchObject({ auth: 'none', apiKeys: [] });
    const keyed = parseConfig('server:\n  auth: none\n  api_keys: ["${SWITCHYARD_API_KEY}", "static-key"]\n', 'x.yaml', { env: { SWITCHYARD_API_KEY: 'from-env' } });
    expect(keyed.server).toMatchObject({ auth: 'none', apiKeys: ['from-env', 'static-key'] });
  });

  it('takes a key from a set variable, and no keys at all (the default auth) as an open gateway', () => {
    expect(parseConfig('server:\n  api_keys: ["${SWITCHYARD_API_KEY}"]\n', 'x.yaml', { env: { SWITCHYARD_API_KEY: 'k1' } }).server).toMatchObject({ auth: 'api_keys', apiKeys: ['k1'] });
    expect(parseConfig('server: {}\n', 'x.yaml', { env: {} }).server).toMatchObject({ auth: 'api_keys', apiKeys: [] });
  });

  it('rejects an unknown auth mode', () => {
    expect(configErrorsOf('server:\n  auth: off\n').issues).toEqual([{ path: 'server.auth', message: 'expected one of "api_keys", "none", found "off"', line: 2, column: 9 }]);
  });

  it('keeps the quickstart starting on a machine with no variables, and requiring the key once it is set', () => {
    expect(loadQuickstartConfig({ env: {} }).server).toMatchObject({ auth: 'none', apiKeys: [] });
    expect(loadQuickstartConfig({ env: { SWITCHYARD_API_KEY: 'k' } }).server.apiKeys).toEqual(['k']);
  });
});

describe('admin keys', () => {
  it('reads them from variables like api_keys, and an unset one is an error naming its position', () => {
    expect(parseConfig('server:\n  admin_keys: ["${ADMIN_KEY}"]\n', 'x.yaml', { env: { ADMIN_KEY: 'a1' } }).server).toMatchObject({ apiKeys: [], adminKeys: ['a1'] });
    expect(parseConfig('server: {}\n', 'x.yaml', { env: {} }).server.adminKeys).toEqual([]);
    const error = configErrorsOf('server:\n  api_keys: [client]\n  admin_keys: ["${ADMIN_KEY}"]\n');
    expect(error.issues).toEqual([
      {
        path: 'server.admin_keys.0',
        message:
          'environment variable ADMIN_KEY is not set, so this admin key would be empty; expected a key: set the variable, or write `auth: none` under `server:` to run without gateway keys',
        line: 3,
        column: 16,
      },
    ]);
  });

  it('rejects an admin key that is also a client key, naming both positions', () => {
    const error = configErrorsOf('server:\n  api_keys: [client, shared]\n  admin_keys: [admin, shared]\n');
    expect(error.issues).toEqual([
      {
        path: 'server.admin_keys.1',
        message: 'this admin key is also server.api_keys[1]; expected distinct keys: an admin key opens the admin API and every trace, so give clients another key',
        line: 3,
        column: 23,
      },
    ]);
  });
});

describe('allowed hosts and CORS', () => {
  it('reads them', () => {
    const config = parseConfig('server:\n  allowed_hosts: [gw.example.com, "*.corp.example"]\n  cors: { allowed_origins: ["https://app.example.com", "http://localhost:5173"] }\n', 'x.yaml', { env: {} });
    expect(config.server.allowedHosts).toEqual(['gw.example.com', '*.corp.example']);
    expect(config.server.cors).toEqual({ allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] });
    expect(parseConfig('server: {}\n', 'x.yaml', { env: {} }).server).toMatchObject({ allowedHosts: undefined, cors: undefined });
  });

  it('rejects a host with a scheme or port, and an origin with a path, a default port or upper case', () => {
    const error = configErrorsOf(
      'server:\n  allowed_hosts: ["https://gw.example.com", "gw.example.com:443"]\n  cors:\n    allowed_origins: ["https://app.example.com/", "https://app.example.com:443", "https://App.example.com", "app.example.com"]\n',
    );
    const hostMessage = 'expected a host name such as api.example.com, *.example.com or * (no scheme, no port)';
    const originMessage = 'expected an origin such as https://app.example.com or http://localhost:5173 (scheme, host and port only, lower case), or "*"';
    expect(error.issues.map((issue) => [issue.path, issue.line, issue.message.split(', found')[0]])).toEqual([
      ['server.allowed_hosts.0', 2, hostMessage],
      ['server.allowed_hosts.1', 2, hostMessage],
      ['server.cors.allowed_origins.0', 4, originMessage],
      ['server.cors.allowed_origins.1', 4, originMessage],
      ['server.cors.allowed_origins.2', 4, originMessage],
      ['server.cors.allowed_origins.3', 4, originMessage],
    ]);
  });

  it('rejects an empty origin list', () => {
    expect(configErrorsOf('server:\n  cors: { allowed_origins: [] }\n').issues[0]).toMatchObject({ path: 'server.cors.allowed_origins', message: expect.stringContaining('expected at least one origin') });
  });
});

import { describe, expect, it } from 'vitest';
import { MisdirectedRequestError } from '../errors/request-errors.js';
import { createHostCheck, hostName, isLoopback } from './check-host.js';

const refuses = (check: ((host: string | undefined) => void) | undefined, host: string): boolean => {
  if (!check) return false;
  try {
    check(host);
    return false;
  } catch (error) {
    if (error instanceof MisdirectedRequestError) return true;
    throw error;
  }
};

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])('%s is loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'example.com', '128.0.0.1'])('%s is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});

describe('hostName', () => {
  it.each([
    ['localhost:8787', 'localhost'],
    ['Example.COM', 'example.com'],
    ['example.com.:80', 'example.com'],
    ['[::1]:8787', '::1'],
    ['[::1]', '::1'],
    ['127.0.0.1:1', '127.0.0.1'],
  ])('%s -> %s', (host, name) => {
    expect(hostName(host)).toBe(name);
  });
});

describe('createHostCheck', () => {
  const loopback = createHostCheck({ bindAddress: '127.0.0.1', allowedHosts: undefined });

  it('on a loopback server, serves localhost names and addresses with any port', () => {
    for (const host of ['localhost:8787', 'LOCALHOST', 'app.localhost:3000', '127.0.0.1:8787', '[::1]:8787', '10.1.2.3', 'localhost.:8787']) {
      expect(refuses(loopback, host), host).toBe(false);
    }
  });

  it('on a loopback server, refuses any other name: a rebinding page carries its own', () => {
    for (const host of ['attacker.example:8787', 'localhost.attacker.example', '127.0.0.1.nip.io', 'evil']) {
      expect(refuses(loopback, host), host).toBe(true);
    }
  });

  it('says why and what to do, quoting a long Host only in part', () => {
    expect(() => loopback?.('attacker.example:8787')).toThrow(
      'Host "attacker.example:8787" is not served here: this gateway listens on 127.0.0.1, so it answers only to localhost names and IP addresses (a guard against DNS rebinding). To serve this name, add it to server.allowed_hosts.',
    );
    expect(() => loopback?.(`${'a'.repeat(5000)}.example`)).toThrow(/^Host "a{100}"\.\.\. \(5008 characters\) is not served here/);
  });

  it('serves a request without Host (HTTP/1.0)', () => {
    expect(refuses(loopback, '')).toBe(false);
    expect(() => loopback?.(undefined)).not.toThrow();
  });

  it('adds the allowed names to a loopback server: exact, *.suffix, or every name with *', () => {
    const check = createHostCheck({ bindAddress: '::1', allowedHosts: ['gw.example.com', '*.internal.example'] });
    expect(refuses(check, 'gw.example.com:443')).toBe(false);
    expect(refuses(check, 'GW.example.com')).toBe(false);
    expect(refuses(check, 'a.b.internal.example')).toBe(false);
    expect(refuses(check, 'internal.example')).toBe(true);
    expect(refuses(check, 'other.example.com')).toBe(true);
    expect(() => check?.('other.example.com')).toThrow(/localhost names, IP addresses and the names in server\.allowed_hosts \(a guard/);
    expect(createHostCheck({ bindAddress: '127.0.0.1', allowedHosts: ['*'] })).toBeUndefined();
  });

  it('on a server bound beyond loopback, serves every name unless allowed_hosts is set', () => {
    expect(createHostCheck({ bindAddress: '0.0.0.0', allowedHosts: undefined })).toBeUndefined();
    expect(createHostCheck({ bindAddress: '192.168.1.5', allowedHosts: undefined })).toBeUndefined();
    const check = createHostCheck({ bindAddress: '0.0.0.0', allowedHosts: ['gw.example.com'] });
    expect(refuses(check, 'gw.example.com')).toBe(false);
    expect(refuses(check, '10.0.0.7:8787')).toBe(false);
    expect(refuses(check, 'localhost:8787')).toBe(false);
    expect(refuses(check, 'rebound.attacker.example')).toBe(true);
  });
});

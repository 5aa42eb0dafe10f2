import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateUnavailableError } from '../errors/request-errors.js';
import { redisMissing, startRedis, type RedisServer } from '../../test/support/local-servers.js';
import { RedisState } from './redis-state.js';

const INCR_BY = { name: 'incr_by', keys: 1, lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])" };
const PAIR = { name: 'pair', keys: 2, lua: 'local out = {KEYS[1], KEYS[2]}\nfor i = 1, #ARGV do out[#out + 1] = ARGV[i] end\nout[#out + 1] = tostring(#KEYS)\nreturn out' };
const NOTHING = { name: 'nothing', keys: 0, lua: 'return nil' };
const FAILS = { name: 'fails', keys: 0, lua: "return redis.error_reply('broken on purpose')" };

describe.skipIf(redisMissing !== undefined)('RedisState on a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  /** How many EVALSHA commands Redis has run so far (the INFO's own run is not a script). */
  const evalshaCalls = async (state: RedisState): Promise<number> => {
    const info = String(await state.run('rate_limits', (client) => client.info('commandstats')));
    return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
  };

  const open = (statuses: string[] = [], url = redis.url, timeoutMs = 200): RedisState =>
    new RedisState({ url, keyPrefix: 'test:', timeoutMs, leaseMs: 30_000, onStatus: (status, detail) => statuses.push(`${status}: ${detail}`) });

  it('runs scripts by SHA and loads them again after Redis restarted empty', async () => {
    const state = open();
    expect(await state.ready()).toBe(true);
    expect(await state.script('rate_limits', INCR_BY, ['test:n'], [2])).toBe(2);
    expect(await state.script('rate_limits', INCR_BY, ['test:n'], [3])).toBe(5);
    await redis.kill();
    await redis.restart();
    await state.ready(5_000);
    // Wait for the reconnection: commands fail at once meanwhile (no offline queue).
    const deadline = Date.now() + 5_000;
    let value: unknown;
    while (Date.now() < deadline) {
      value = await state.script('rate_limits', INCR_BY, ['test:n'], [7]).catch(() => undefined);
      if (value !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(value).toBe(7);
    await state.close();
  });

  it('sends the scripts issued together as one command, each with its own keys and arguments, and each answer to its caller', async () => {
    const state = open();
    await state.ready();
    const commands = (): Promise<number> => evalshaCalls(state);
    await state.script('rate_limits', INCR_BY, ['test:a'], [1]);
    await state.script('budgets', PAIR, ['test:p', 'test:q'], ['x', 'y', 'z']);
    const before = await commands();
    const answers = await Promise.all([
      state.script('rate_limits', INCR_BY, ['test:a'], [10]),
      // Arguments travel as JSON: quotes, backslashes and non-ASCII arrive as they were.
      state.script('budgets', PAIR, ['test:p', 'test:q'], ['first', 'se"c\\ond é', 1.5]),
      state.script('rate_limits', INCR_BY, ['test:b'], [5]),
      state.script('budgets', NOTHING, [], []),
    ]);
    expect(answers).toEqual([11, ['test:p', 'test:q', 'first', 'se"c\\ond é', '1.5', '2'], 5, null]);
    // One EVALSHA for the four, and the INFO's own run is not a script.
    expect((await commands()) - before).toBe(1);
    await state.close();
  });

  it('sends the background calls of one turn as one command without waiting for a request\'s call; close sends what still waits', async () => {
    const state = open();
    await state.ready();
    const commands = (): Promise<number> => evalshaCalls(state);
    await state.script('rate_limits', INCR_BY, ['test:d'], [1]);
    const before = await commands();
    // Two settles issued together, and nothing else asked: one command.
    const settles = [state.script('budgets', INCR_BY, ['test:d'], [100], { background: true }), state.script('rate_limits', INCR_BY, ['test:d'], [10], { background: true })];
    expect(await Promise.all(settles)).toEqual([101, 111]);
    expect((await commands()) - before).toBe(1);
    // At close, before the connection's QUIT.
    const last = state.script('budgets', INCR_BY, ['test:d'], [5], { background: true });
    await state.close();
    expect(await last).toBe(116);
  });

  it('fails every script of a composed call with its own concern when one of them fails in Redis', async () => {
    const state = open();
    await state.ready();
    const outcomes = await Promise.allSettled([state.script('rate_limits', INCR_BY, ['test:c'], [1]), state.script('budgets', FAILS, [], [])]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    const messages = outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as Error).message : ''));
    expect(messages[0]).toMatch(/^shared state \(rate_limits\) is unavailable: Redis .*broken on purpose/);
    expect(messages[1]).toMatch(/^shared state \(budgets\) is unavailable: Redis .*broken on purpose/);
    await state.close();
  });

  it('fails within its timeout when Redis does not answer, names the concern, and says once that it is down and once that it is back', async () => {
    const statuses: string[] = [];
    const state = open(statuses, redis.url, 100);
    await state.ready();
    // A stopped process: the connection stays open and nothing answers, as with a stalled server.
    redis.freeze();
    const started = Date.now();
    const error = await state.run('budgets', (client) => client.get('test:x')).catch((caught: unknown) => caught);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(StateUnavailableError);
    expect((error as Error).message).toMatch(/^shared state \(budgets\) is unavailable: Redis /);
    expect(waited).toBeLessThan(450);
    await state.run('budgets', (client) => client.get('test:x')).catch(() => undefined);
    redis.thaw();
    expect(await state.run('budgets', (client) => client.set('test:x', '1'))).toBe('OK');
    expect(statuses.filter((status) => status.startsWith('down'))).toHaveLength(1);
    expect(statuses.at(-1)).toBe('up: reconnected');
    await state.close();
  });

  it('delivers what one connection publishes to every subscriber of the prefix', async () => {
    const a = open();
    const b = open();
    await Promise.all([a.ready(), b.ready()]);
    const received: string[] = [];
    b.subscribe('revoked', (message) => received.push(message));
    a.subscribe('revoked', (message) => received.push(`a:${message}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    a.publish('revocations', 'revoked', 'key_1');
    const deadline = Date.now() + 2_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.sort()).toEqual(['a:key_1', 'key_1']);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps a password in the URL out of its errors', async () => {
    const statuses: string[] = [];
    const state = open(statuses, `redis://user:hunter2secret@127.0.0.1:1`, 100);
    const error = await state.run('rate_limits', (client) => client.get('x')).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(StateUnavailableError);
    expect(`${(error as Error).message} ${statuses.join(' ')}`).not.toContain('hunter2secret');
    await state.close();
  });
});

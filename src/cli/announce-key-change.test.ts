import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type RedisServer } from '../../test/support/local-servers.js';
import { announceKeyChangeFromCli } from './announce-key-change.js';

describe.skipIf(redisMissing !== undefined)('switchyard keys revoke|rotate|update tell the gateways', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'switchyard-announce-'));
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (url: string): string => {
    const file = join(dir, `switchyard-${url.split(':').pop()}.yaml`);
    writeFileSync(file, `state:\n  redis: { url: "${url}", key_prefix: "cli:" }\n`);
    return file;
  };
  const io = (lines: string[]) => ({ out: (text: string) => lines.push(text), err: (text: string) => lines.push(text), env: {}, cwd: dir });

  it("publishes the key id on the config's Redis", async () => {
    const listener = new Redis(redis.url);
    const heard: string[] = [];
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe('cli:keys:changed');
    const lines: string[] = [];
    await announceKeyChangeFromCli({ config: config(redis.url) }, io(lines), 'key_123');
    await expect.poll(() => heard).toEqual(['key_123']);
    expect(lines).toEqual([]);
    listener.disconnect();
  });

  it('says so when Redis cannot be reached (the gateways see the change within their cache TTL), and is silent with --db alone', async () => {
    const lines: string[] = [];
    await announceKeyChangeFromCli({ config: config('redis://127.0.0.1:1') }, io(lines), 'key_123');
    expect(lines).toEqual([expect.stringContaining('could not reach state.redis')]);
    // --db names another store than the config's (./switchyard.yaml here): its gateways are not the config's to tell.
    writeFileSync(join(dir, 'switchyard.yaml'), 'state:\n  redis: { url: "redis://127.0.0.1:1" }\n');
    const quiet: string[] = [];
    await announceKeyChangeFromCli({ db: join(dir, 'keys.db') }, io(quiet), 'key_123');
    expect(quiet).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { createChatRequest } from '../spec/create-chat-request.js';
import type { ModelSpec } from '../spec/model-spec.js';
import { DEFAULT_RESERVED_OUTPUT_TOKENS, DeploymentQuota, DeploymentQuotas, QUOTA_WINDOW_MS, quotaTokens } from './deployment-quota.js';

/** A clock the test moves. */
function clock(start = 1_000_000) {
  const time = { now: start };
  return { time, now: () => time.now };
}

function admitted(quota: DeploymentQuota, tokens: number) {
  const result = quota.admit(tokens);
  if (!result.ok) throw new Error(`refused: ${result.wait.detail}`);
  return result.reservation;
}

describe('DeploymentQuota', () => {
  it('admits rpm calls in a minute, then says when the oldest leaves the window', () => {
    const { time, now } = clock();
    const quota = new DeploymentQuota({ rpm: 3 }, now);
    admitted(quota, 10);
    time.now += 1_000;
    admitted(quota, 10);
    admitted(quota, 10);
    const refused = quota.admit(10);
    expect(refused).toMatchObject({ ok: false, wait: { limit: 'rpm', until: 1_000_000 + QUOTA_WINDOW_MS, afterMs: QUOTA_WINDOW_MS - 1_000 } });
    // The window slides: one millisecond before the first call is a minute old, still full; at the minute, one frees.
    time.now = 1_000_000 + QUOTA_WINDOW_MS - 1;
    expect(quota.admit(10).ok).toBe(false);
    time.now = 1_000_000 + QUOTA_WINDOW_MS;
    expect(quota.admit(10).ok).toBe(true);
    expect(quota.admit(10).ok).toBe(false);
    expect(quota.used().requests).toBe(3);
  });

  it('counts tokens at admission and says when enough of them leave the window', () => {
    const { time, now } = clock();
    const quota = new DeploymentQuota({ tpm: 1_000 }, now);
    admitted(quota, 600);
    time.now += 10_000;
    admitted(quota, 300);
    expect(quota.used()).toEqual({ requests: 2, tokens: 900 });
    const refused = quota.admit(200);
    expect(refused).toMatchObject({ ok: false, wait: { limit: 'tpm', until: 1_000_000 + QUOTA_WINDOW_MS } });
    // 100 tokens left: a small call still fits.
    expect(quota.admit(100).ok).toBe(true);
    time.now = 1_000_000 + QUOTA_WINDOW_MS;
    expect(quota.used().tokens).toBe(400);
    expect(quota.admit(600).ok).toBe(true);
  });

  it('reconciles a reservation with the real usage, down and up, once', () => {
    const quota = new DeploymentQuota({ tpm: 1_000 }, clock().now);
    const first = admitted(quota, 800);
    expect(quota.admit(300).ok).toBe(false);
    first.settle(150);
    expect(quota.used().tokens).toBe(150);
    // A second settle changes nothing: the call is counted once.
    first.settle(10);
    expect(quota.used().tokens).toBe(150);
    const second = admitted(quota, 100);
    second.settle(700);
    expect(quota.used().tokens).toBe(850);
    expect(quota.admit(200).ok).toBe(false);
    // Unknown usage (a failed call) keeps the estimate.
    const third = admitted(quota, 100);
    third.settle(undefined);
    expect(quota.used().tokens).toBe(950);
  });

  it('never counts a call that settles after it left the window', () => {
    const { time, now } = clock();
    const quota = new DeploymentQuota({ tpm: 1_000 }, now);
    const slow = admitted(quota, 500);
    time.now += QUOTA_WINDOW_MS + 1;
    admitted(quota, 100);
    slow.settle(900);
    expect(quota.used().tokens).toBe(100);
  });

  it('admits a call estimated over the whole limit only into an empty window', () => {
    const { time, now } = clock();
    const quota = new DeploymentQuota({ tpm: 1_000 }, now);
    admitted(quota, 1);
    expect(quota.admit(5_000)).toMatchObject({ ok: false, wait: { limit: 'tpm', until: 1_000_000 + QUOTA_WINDOW_MS } });
    time.now += QUOTA_WINDOW_MS;
    admitted(quota, 5_000);
    expect(quota.used().tokens).toBe(1_000);
  });

  it('admits exactly the limit among calls racing in one process', async () => {
    const quota = new DeploymentQuota({ rpm: 50, tpm: 100_000 }, clock().now);
    // 200 calls interleaved on the event loop: each admits, waits, settles.
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        await new Promise((resolve) => setImmediate(resolve));
        const result = quota.admit(1_000);
        if (!result.ok) return false;
        await new Promise((resolve) => setTimeout(resolve, index % 7));
        result.reservation.settle(400);
        return true;
      }),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(50);
    expect(quota.used()).toEqual({ requests: 50, tokens: 50 * 400 });
  });

  it('keeps the log short: entries out of the window are dropped', () => {
    const { time, now } = clock();
    const quota = new DeploymentQuota({ rpm: 10 }, now);
    for (let index = 0; index < 1_000; index++) {
      admitted(quota, 1);
      time.now += 7_000;
    }
    // Calls 7, 14, ... 56 s old are in the window.
    expect(quota.used().requests).toBe(8);
    expect((quota as unknown as { log: { entries: unknown[] } }).log.entries.length).toBeLessThan(200);
  });
});

describe('quotaTokens', () => {
  const spec = { name: 'm', maxOutput: 500 } as ModelSpec;

  it('is the prompt estimated at four characters a token plus max_tokens', () => {
    const request = createChatRequest('m', 'x'.repeat(400), { maxOutputTokens: 2_000 });
    // 100 tokens of text, the role's one, 3 of framing for the message and 3 for the reply.
    expect(quotaTokens(request, spec)).toBe(100 + 1 + 6 + 2_000);
  });

  it('reserves a default output, within the model maximum, when max_tokens is not set', () => {
    const request = createChatRequest('m', 'hi');
    expect(quotaTokens(request, spec)).toBe(1 + 1 + 6 + 500);
    expect(quotaTokens(request, { name: 'n' } as ModelSpec)).toBe(1 + 1 + 6 + DEFAULT_RESERVED_OUTPUT_TOKENS);
  });
});

describe('DeploymentQuotas', () => {
  it('holds a quota only for deployments with limits, and the soonest wait among them', () => {
    const { now } = clock();
    const limited = { name: 'a', limits: { rpm: 1 } } as ModelSpec;
    const other = { name: 'b', limits: { rpm: 1 } } as ModelSpec;
    const free = { name: 'c' } as ModelSpec;
    const quotas = new DeploymentQuotas([limited, other, free], now);
    expect(quotas.get('c')).toBeUndefined();
    const request = createChatRequest('a', 'hi');
    expect(quotas.retryAfterMs([limited, other, free], request)).toBeUndefined();
    quotas.get('a')?.admit(1);
    expect(quotas.wait(limited, request)?.limit).toBe('rpm');
    expect(quotas.wait(other, request)).toBeUndefined();
    expect(quotas.retryAfterMs([limited, other], request)).toBe(QUOTA_WINDOW_MS);
  });
});

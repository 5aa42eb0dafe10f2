import { describe, expect, it } from 'vitest';
import type { GuardSpec } from '../router-spec.js';
import type { SignalModels } from '../signal-models.js';
import { createChatRequest } from '../../spec/create-chat-request.js';
import { SafetyGuard } from './safety-guard.js';

const MODERATION: GuardSpec = {
  type: 'moderation',
  model: 'mod',
  onUnsafe: { type: 'block', message: 'No.' },
  categories: ['violence'],
  timeoutMs: 1_000,
  fail: 'closed',
  threshold: undefined,
};

/** SignalModels whose moderation flags `violence` for every text, and that count what they are asked. */
function models(): SignalModels & { asked: string[][] } {
  const asked: string[][] = [];
  const refuse = (): never => {
    throw new Error('only moderate is expected');
  };
  return {
    asked,
    classify: refuse,
    embed: refuse,
    moderate: (_model, texts) => {
      asked.push([...texts]);
      return Promise.resolve({ ok: true, value: { flagged: true, categories: { violence: true }, scores: { violence: 0.9 }, usage: undefined }, attempts: [] });
    },
  };
}

describe('SafetyGuard with a moderation endpoint', () => {
  it('asks about the user turns and blocks on a counted category', async () => {
    const signal = models();
    const check = await new SafetyGuard(MODERATION).check(createChatRequest('r', [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]), signal);
    expect(signal.asked).toEqual([['Hi']]);
    expect(check.action).toEqual({ type: 'block', message: 'No.' });
    expect(check.verdict).toMatchObject({ model: 'mod', outcome: 'unsafe', categories: ['violence'], scores: { violence: 0.9 }, passed: false });
  });

  it('passes a conversation with no user text without a call', async () => {
    const signal = models();
    const check = await new SafetyGuard(MODERATION).check(createChatRequest('r', [{ role: 'system', content: 'Be brief.' }]), signal);
    expect(signal.asked).toEqual([]);
    expect(check).toMatchObject({ action: { type: 'pass' }, verdict: { outcome: 'safe', categories: [], passed: true }, attempts: [] });
  });

  it('follows fail where the endpoint cannot be called (offline)', async () => {
    const check = await new SafetyGuard(MODERATION).check(createChatRequest('r', [{ role: 'user', content: 'Hi' }]), undefined);
    expect(check.verdict).toMatchObject({ outcome: 'error', passed: false });
    expect(check.action.type).toBe('block');
  });
});

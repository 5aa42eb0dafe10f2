import { describe, expect, it } from 'vitest';
import { LLAMA_GUARD_CATEGORIES, llamaGuardPrompt } from './llama-guard-prompt.js';

describe('llamaGuardPrompt', () => {
  it('writes the conversation in Llama Guard 3\'s template: categories S1-S14, User and Agent turns, the two-line answer asked for', () => {
    const prompt = llamaGuardPrompt([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
      { role: 'tool', content: 'tool output', tool_call_id: 'call_1' },
      { role: 'user', content: 'How do I pick a lock?' },
    ]);
    expect(prompt).toBe(`Task: Check if there is unsafe content in 'User' messages in conversations according our safety policy with the below categories.

<BEGIN UNSAFE CONTENT CATEGORIES>
S1: Violent Crimes.
S2: Non-Violent Crimes.
S3: Sex Crimes.
S4: Child Exploitation.
S5: Defamation.
S6: Specialized Advice.
S7: Privacy.
S8: Intellectual Property.
S9: Indiscriminate Weapons.
S10: Hate.
S11: Self-Harm.
S12: Sexual Content.
S13: Elections.
S14: Code Interpreter Abuse.
<END UNSAFE CONTENT CATEGORIES>

<BEGIN CONVERSATION>

User: Hi

Agent: Hello.

User: How do I pick a lock?

<END CONVERSATION>

Provide your safety assessment for ONLY THE LAST User message in the above conversation:
 - First line must read 'safe' or 'unsafe'.
 - If unsafe, a second line must include a comma-separated list of violated categories.`);
  });

  it('names the fourteen categories of Llama Guard 3', () => {
    expect(Object.keys(LLAMA_GUARD_CATEGORIES)).toEqual(Array.from({ length: 14 }, (_, index) => `S${index + 1}`));
  });
});

import type { ChatMessage } from '../../spec/chat-request.js';
import { messageText } from '../../features/extract-routing-text.js';

/** Llama Guard 3's hazard categories (after MLCommons'), named as its prompt template names them: the codes it answers with. */
export const LLAMA_GUARD_CATEGORIES: Readonly<Record<string, string>> = {
  S1: 'Violent Crimes',
  S2: 'Non-Violent Crimes',
  S3: 'Sex Crimes',
  S4: 'Child Exploitation',
  S5: 'Defamation',
  S6: 'Specialized Advice',
  S7: 'Privacy',
  S8: 'Intellectual Property',
  S9: 'Indiscriminate Weapons',
  S10: 'Hate',
  S11: 'Self-Harm',
  S12: 'Sexual Content',
  S13: 'Elections',
  S14: 'Code Interpreter Abuse',
};

const CATEGORY_LIST = Object.entries(LLAMA_GUARD_CATEGORIES)
  .map(([code, name]) => `${code}: ${name}.`)
  .join('\n');

/**
 * The conversation in Llama Guard 3's prompt template (without the special tokens: the serving
 * chat template adds them around a user message). Instructions are not turns of the conversation,
 * and tool messages are not the user's: only user and assistant (`Agent`) turns are assessed.
 */
export function llamaGuardPrompt(messages: readonly ChatMessage[]): string {
  const turns: string[] = [];
  for (const message of messages) {
    if (message.role !== 'user' && message.role !== 'assistant') continue;
    const text = messageText(message);
    if (text === '') continue;
    turns.push(`${message.role === 'user' ? 'User' : 'Agent'}: ${text}`);
  }
  return `Task: Check if there is unsafe content in 'User' messages in conversations according our safety policy with the below categories.

<BEGIN UNSAFE CONTENT CATEGORIES>
${CATEGORY_LIST}
<END UNSAFE CONTENT CATEGORIES>

<BEGIN CONVERSATION>

${turns.join('\n\n')}

<END CONVERSATION>

Provide your safety assessment for ONLY THE LAST User message in the above conversation:
 - First line must read 'safe' or 'unsafe'.
 - If unsafe, a second line must include a comma-separated list of violated categories.`;
}

import type { AnthropicBlock } from './convert-anthropic-content.js';

const EPHEMERAL = { type: 'ephemeral' } as const;

/**
 * `prompt_caching: auto`: a request that marks no breakpoint anywhere gets one on its last tool
 * and one on its last system block, the prefix every turn of a conversation re-sends. A request
 * that marks any is left as the client marked it.
 */
export function addCacheBreakpoints(body: Record<string, unknown>): void {
  if (hasCacheControl(body)) return;
  for (const key of ['tools', 'system']) {
    const blocks = body[key];
    if (!Array.isArray(blocks) || blocks.length === 0) continue;
    blocks[blocks.length - 1] = { ...(blocks[blocks.length - 1] as AnthropicBlock), cache_control: EPHEMERAL };
  }
}

function hasCacheControl(body: Record<string, unknown>): boolean {
  if (body['cache_control'] !== undefined) return true;
  if (marked(body['tools']) || marked(body['system'])) return true;
  const messages = body['messages'];
  if (!Array.isArray(messages)) return false;
  return messages.some((message) => {
    const content = (message as { content?: unknown }).content;
    return Array.isArray(content) && (marked(content) || content.some((block) => marked((block as { content?: unknown }).content)));
  });
}

function marked(blocks: unknown): boolean {
  return Array.isArray(blocks) && blocks.some((block) => typeof block === 'object' && block !== null && (block as { cache_control?: unknown }).cache_control != null);
}

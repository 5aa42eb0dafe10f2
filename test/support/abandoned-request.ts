/**
 * A JSON chat request whose client goes away when the test says so: `abandon()` aborts it, and
 * `settled` resolves to 'aborted' once the client has given up (or to the response, should one come first).
 */
export function abandonableChat(baseURL: string, model: string, content = 'hello'): { abandon: () => void; settled: Promise<Response | 'aborted'> } {
  const controller = new AbortController();
  const settled = fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    signal: controller.signal,
  }).catch(() => 'aborted' as const);
  return { abandon: () => controller.abort(), settled };
}

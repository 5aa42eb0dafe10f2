// The fake model provider for the gateway benchmark: an OpenAI-compatible /v1/chat/completions
// that answers every request with the same small completion, as JSON or, when the body asks for
// `"stream": true`, as SSE with a usage chunk. It does as little as it can, so the load
// generator and this process leave the core they share to the target under test.
// `node upstream.mjs [chunkIntervalMs]`: prints its URL. With an interval, stream chunks are
// spaced by it (to hold many streams open at once); without, they go out back to back.
import { createServer } from 'node:http';

const interval = Number(process.argv[2] ?? 0);
const created = Math.floor(Date.now() / 1000);
const WORDS = ['The', ' capital', ' of', ' France', ' is', ' Paris', '.'];
const usage = { prompt_tokens: 14, completion_tokens: WORDS.length, total_tokens: 14 + WORDS.length };

const json = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'bench-model',
    choices: [{ index: 0, message: { role: 'assistant', content: WORDS.join('') }, finish_reason: 'stop' }],
    usage,
  }),
);
const chunk = (delta, finish, extra = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'bench-model', choices: delta === undefined ? [] : [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
const events = [
  chunk({ role: 'assistant', content: '' }, null),
  ...WORDS.map((word) => chunk({ content: word }, null)),
  chunk({}, 'stop'),
  chunk(undefined, null, { usage }),
  'data: [DONE]\n\n',
];
const sse = Buffer.from(events.join(''));

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  let streaming = false;
  request.on('data', (data) => {
    if (!streaming && data.includes('"stream":true')) streaming = true;
  });
  request.on('end', () => {
    if (!streaming) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
      response.end(json);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (interval === 0) {
      response.end(sse);
      return;
    }
    let next = 0;
    const send = () => {
      if (response.destroyed) return;
      response.write(events[next++]);
      if (next === events.length) response.end();
      else setTimeout(send, interval);
    };
    send();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));

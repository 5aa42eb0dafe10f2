// The Anthropic and Responses edges against the OpenAI edge: three Switchyard processes on the same
// config, one loaded with Messages requests, one with Responses requests and one with Chat
// Completions requests, and the minimal proxy as the yardstick, all under load at once
// (paired.mjs), for JSON and for streams. Every edge ends at the same OpenAI-compatible upstream,
// so the Anthropic and Responses sides pay their translation both ways.
import { streamLoad } from './load.mjs';
import { pairedRounds, quartiles } from './paired.mjs';
import { startMinimalProxy, startSwitchyard } from './processes.mjs';

/**
 * Rounds of paired load per kind; returns, per kind, the quartiles of the Anthropic edge's added CPU
 * per request (over the proxy's) as a multiple of the OpenAI edge's, round by round (`addedRatio`),
 * and the same for the Responses edge (`responsesAddedRatio`).
 */
export async function dialectStage(upstream, { rounds, seconds, log }) {
  const starts = {
    proxy: () => startMinimalProxy(upstream.url),
    openai: () => startSwitchyard(upstream.url),
    anthropic: async () => ({ ...(await startSwitchyard(upstream.url)), dialect: 'anthropic' }),
    responses: async () => ({ ...(await startSwitchyard(upstream.url)), dialect: 'responses' }),
  };
  const result = {};
  for (const kind of ['json', 'stream']) {
    const cpu = await pairedRounds(starts, {
      rounds,
      seconds,
      connections: 64,
      ...(kind === 'stream' ? { load: streamLoad } : {}),
      onRound: (round) =>
        log(
          `  ${kind.padEnd(6)} proxy ${round.proxy.toFixed(0)}, OpenAI edge ${round.openai.toFixed(0)}, Anthropic edge ${round.anthropic.toFixed(0)}, Responses edge ${round.responses.toFixed(0)} µs/req`,
        ),
    });
    const addedRatio = (name) => quartiles(cpu.map((round) => (round[name] - round.proxy) / (round.openai - round.proxy)));
    result[kind] = { rounds: cpu, addedRatio: addedRatio('anthropic'), responsesAddedRatio: addedRatio('responses') };
  }
  return result;
}

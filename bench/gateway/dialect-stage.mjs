// The Anthropic edge against the OpenAI edge: two Switchyard processes on the same config, one
// loaded with Messages requests and one with Chat Completions requests, and the minimal proxy as
// the yardstick, all under load at once (paired.mjs), for JSON and for streams. Both edges end at
// the same OpenAI-compatible upstream, so the Anthropic side pays its translation both ways.
import { streamLoad } from './load.mjs';
import { pairedRounds, quartiles } from './paired.mjs';
import { startMinimalProxy, startSwitchyard } from './processes.mjs';

/**
 * Rounds of paired load per kind; returns, per kind, the quartiles of the Anthropic edge's added CPU
 * per request (over the proxy's) as a multiple of the OpenAI edge's, round by round.
 */
export async function dialectStage(upstream, { rounds, seconds, log }) {
  const starts = {
    proxy: () => startMinimalProxy(upstream.url),
    openai: () => startSwitchyard(upstream.url),
    anthropic: async () => ({ ...(await startSwitchyard(upstream.url)), dialect: 'anthropic' }),
  };
  const result = {};
  for (const kind of ['json', 'stream']) {
    const cpu = await pairedRounds(starts, {
      rounds,
      seconds,
      connections: 64,
      ...(kind === 'stream' ? { load: streamLoad } : {}),
      onRound: (round) => log(`  ${kind.padEnd(6)} proxy ${round.proxy.toFixed(0)}, OpenAI edge ${round.openai.toFixed(0)}, Anthropic edge ${round.anthropic.toFixed(0)} µs/req`),
    });
    result[kind] = { rounds: cpu, addedRatio: quartiles(cpu.map((round) => (round.anthropic - round.proxy) / (round.openai - round.proxy))) };
  }
  return result;
}

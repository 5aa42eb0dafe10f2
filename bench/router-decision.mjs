// Per-decision latency of the trained routers, as the gateway decides: `Routing.route` on a
// request (routing text, features, one prediction per model, the policy's rule, the plan), each
// decision timed on its own so the tail shows. Routers are trained here with `train`'s defaults:
// RouteLLM's MMLU and GSM8K (strong_weak and utility over two models) and, when ../shared is
// there, RouterBench's 11 models (utility). Every prompt of each file is decided PASSES times.
// Two tails: of every timing (wall clock, which on a shared machine includes being descheduled),
// and of each prompt's fastest pass (what the decision itself costs for that prompt).
// Uses the built package (dist/): run `npm run bench:router` (builds first).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../dist/config/load-config.js';
import { readScoredData } from '../dist/learning/scored-data.js';
import { trainRouter, DEFAULT_FEATURES, DEFAULT_LOGISTIC } from '../dist/learning/train-router.js';
import { Routing } from '../dist/routing/routing.js';
import { createChatRequest } from '../dist/spec/create-chat-request.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PASSES = 5;
const BUDGET_MS = 2;
const scratch = mkdtempSync(join(os.tmpdir(), 'switchyard-router-decision-'));

/** Trains on every clean example (nothing held out) and writes the router file. */
function train(examples, models, name) {
  const { router } = trainRouter(examples, { rename: new Map(), models, seed: 1, holdout: 0, features: DEFAULT_FEATURES, logistic: DEFAULT_LOGISTIC, dataName: name });
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(router.toJSON()));
  return file;
}

/** A config whose models are mocks named as the data names them; `policies` maps router name → target YAML. */
function routing(routerFile, models, policies) {
  const modelLines = models.map((model, index) => `  ${JSON.stringify(model)}: { provider: mock, model: m${index}, price: { input: ${index + 1}, output: ${2 * (index + 1)} } }`);
  const routerLines = Object.entries(policies).map(([name, target]) => `  ${name}:\n    classifier: { type: trained, path: ${JSON.stringify(routerFile)} }\n    default: ${target}`);
  const text = `providers:\n  mock: { type: mock }\nmodels:\n${modelLines.join('\n')}\nrouters:\n${routerLines.join('\n')}\n`;
  return new Routing(parseConfig(text, join(scratch, 'switchyard.yaml'), { env: {} }));
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

let sink = 0;
async function measure(routingOf, router, examples) {
  const requests = examples.map((example) => ({ ...createChatRequest(router, 'x'), messages: example.messages }));
  // Warm-up: the JIT settles before anything is timed.
  for (const request of requests.slice(0, 500)) sink += (await routingOf.route(request)).decision.candidates.length;
  const micros = [];
  const fastest = new Float64Array(requests.length).fill(Infinity);
  for (let pass = 0; pass < PASSES; pass++) {
    for (const [index, request] of requests.entries()) {
      const started = process.hrtime.bigint();
      const { decision } = await routingOf.route(request);
      const elapsed = Number(process.hrtime.bigint() - started) / 1000;
      micros.push(elapsed);
      fastest[index] = Math.min(fastest[index], elapsed);
      sink += decision.candidates.length;
    }
  }
  micros.sort((a, b) => a - b);
  fastest.sort();
  return {
    decisions: micros.length,
    p50Us: percentile(micros, 0.5),
    p99Us: percentile(micros, 0.99),
    perPromptP50Us: percentile(fastest, 0.5),
    perPromptP99Us: percentile(fastest, 0.99),
    perPromptMaxUs: fastest[fastest.length - 1],
  };
}

const rows = [];
for (const file of ['mmlu.jsonl', 'gsm8k.jsonl']) {
  const examples = readScoredData(join(root, 'data/routellm', file)).filter((example) => !example.contaminated);
  const models = ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'gpt-4-1106-preview'];
  const routerFile = train(examples, models, file.replace('.jsonl', ''));
  const quoted = models.map((model) => JSON.stringify(model));
  const routed = routing(routerFile, models, {
    strong_weak: `{ strong_weak: { strong: ${quoted[1]}, weak: ${quoted[0]}, threshold: 0.1 } }`,
    utility: `{ utility: { models: [${quoted.join(', ')}], cost_weight: 0.1 } }`,
  });
  for (const policy of ['strong_weak', 'utility']) rows.push({ data: file, models: 2, policy, ...(await measure(routed, policy, examples)) });
}
const benchDir = join(root, '../shared/benchmarks/routerbench/dev');
if (existsSync(benchDir)) {
  const all = ['arc_challenge.jsonl', 'mbpp.jsonl', 'winogrande.jsonl'].flatMap((file) => readScoredData(join(benchDir, file)));
  const models = Object.keys(all[0].scores).sort();
  const examples = all.filter((example) => models.every((model) => example.scores[model] !== undefined));
  const routerFile = train(examples, models, 'routerbench');
  const routed = routing(routerFile, models, { utility: `{ utility: { models: [${models.map((model) => JSON.stringify(model)).join(', ')}], cost_weight: 0.1 } }` });
  rows.push({ data: 'routerbench (3 tasks)', models: models.length, policy: 'utility', ...(await measure(routed, 'utility', examples)) });
} else console.log('RouterBench subset: ../shared/benchmarks/routerbench not found, skipped');

rmSync(scratch, { recursive: true, force: true });
console.log(`Per-decision latency (Routing.route, one timing per decision, ${PASSES} passes over each file; ${process.version}, ${os.cpus().length} cores)`);
console.log('                                                         every timing      fastest pass per prompt');
console.log('data                   models  policy       decisions   p50 µs   p99 µs   p50 µs   p99 µs   max µs');
const cell = (value) => value.toFixed(1).padStart(8);
for (const row of rows) {
  console.log(
    `${row.data.padEnd(22)} ${String(row.models).padStart(6)}  ${row.policy.padEnd(11)} ${String(row.decisions).padStart(10)} ${cell(row.p50Us)} ${cell(row.p99Us)} ${cell(row.perPromptP50Us)} ${cell(row.perPromptP99Us)} ${cell(row.perPromptMaxUs)}`,
  );
}
// The budget is the decision's own cost; a loaded machine's scheduling shows in the first tail.
const over = rows.filter((row) => row.perPromptP99Us > BUDGET_MS * 1000);
console.log(over.length === 0 ? `every per-prompt p99 within the ${BUDGET_MS} ms budget` : `OVER the ${BUDGET_MS} ms budget at per-prompt p99: ${over.map((row) => `${row.data} ${row.policy}`).join(', ')}`);
const out = join(root, 'bench/results/router-decision.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ machine: { node: process.version, cpus: os.cpus().length, date: new Date().toISOString().slice(0, 10) }, passes: PASSES, rows, sink: sink > 0 }, null, 2)}\n`);
console.log(`results in ${out}`);
if (over.length > 0) process.exitCode = 1;

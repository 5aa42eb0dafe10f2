// Micro-benchmarks of Switchyard's per-request hot path: a rules decision, a trained-router
// decision, request parsing, response encoding and cost. Each reports the median µs per op of
// several timed batches. Uses the built package (dist/): run `npm run build` first, then
// `node bench/micro.mjs` (prints a table, writes bench/results/micro.json).
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { parseConfig } from '../dist/config/load-config.js';
import { Routing } from '../dist/routing/routing.js';
import { createChatRequest } from '../dist/spec/create-chat-request.js';
import { parseChatRequest } from '../dist/server/parse-chat-request.js';
import { encodeChatCompletion } from '../dist/server/encode-openai-response.js';
import { computeCost } from '../dist/cost/compute-cost.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const WARMUP_MS = 300;
const BATCHES = 9;
const BATCH_MS = 1_000 / BATCHES;
/** The per-prompt breakdown of the decisions (in `detail`): shorter runs, same median rule. */
const BREAKDOWN = { warmupMs: 40, batches: 7, batchMs: 15 };

/** The JIT must not see the results as dead: every op feeds this. */
let sink = 0;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Times `op(i)` (sync, or async when `isAsync`): a warm-up that also sizes the batches so each
 * takes about `batchMs`, then `batches` timed batches. Returns µs per op: median, min, max.
 */
async function time(op, isAsync, { warmupMs = WARMUP_MS, batches = BATCHES, batchMs = BATCH_MS } = {}) {
  const runBatch = isAsync
    ? async (count, offset) => {
        let acc = 0;
        for (let i = 0; i < count; i++) acc += await op(offset + i);
        return acc;
      }
    : (count, offset) => {
        let acc = 0;
        for (let i = 0; i < count; i++) acc += op(offset + i);
        return acc;
      };
  let done = 0;
  let chunk = 16;
  const warmStart = process.hrtime.bigint();
  let warmNs = 0n;
  while (warmNs < BigInt(warmupMs * 1e6)) {
    sink += await runBatch(chunk, done);
    done += chunk;
    warmNs = process.hrtime.bigint() - warmStart;
    if (chunk < 4096) chunk *= 2;
  }
  const nsPerOp = Number(warmNs) / done;
  const batchSize = Math.max(1, Math.round((batchMs * 1e6) / nsPerOp));
  const perOp = [];
  for (let batch = 0; batch < batches; batch++) {
    const start = process.hrtime.bigint();
    sink += await runBatch(batchSize, done);
    const elapsed = process.hrtime.bigint() - start;
    done += batchSize;
    perOp.push(Number(elapsed) / 1e3 / batchSize);
  }
  return { median: median(perOp), min: Math.min(...perOp), max: Math.max(...perOp), batchSize };
}

/** Median µs of one decision per prompt, after the rotation was timed: shows which path costs what. */
async function breakdown(routing, prompts) {
  const parts = [];
  for (const { label, request } of prompts) {
    const measured = await time(async () => (await routing.route(request)).plan.length, true, BREAKDOWN);
    parts.push(`${label} ${measured.median.toFixed(1)}`);
  }
  return `per prompt µs: ${parts.join(', ')}`;
}

function fail(message) {
  throw new Error(`micro-benchmark setup: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Rules router

const RULES_CONFIG = `
providers:
  p: { type: mock }
models:
  bench-small:  { provider: p, price: { input: 0.15, output: 0.6 }, context_window: 128000 }
  bench-backup: { provider: p, price: { input: 0.5, output: 1.5 }, context_window: 16000 }
  bench-coder:  { provider: p, price: { input: 3, output: 15, cached_input: 0.3 }, context_window: 200000 }
  bench-large:  { provider: p, price: { input: 2.5, output: 10 }, context_window: 128000 }
routers:
  auto:
    reference: bench-large
    routes:
      code:
        when:
          keywords: [python, typescript, javascript, stack trace, segfault, unit test]
          regex: ["\`\`\`", "\\\\bdef \\\\w+\\\\(", "Traceback \\\\(most recent call last\\\\)"]
        target: bench-coder
      enterprise:
        when: { all: [{ metadata: { tier: [enterprise, gold] } }, { not: { keywords: [translate] } }] }
        target: { fallback: [bench-large, bench-coder] }
      hard:
        when: { complexity: { min: 0.5 } }
        target: bench-large
        system: "Think step by step and check your work."
      translate:
        when: { regex: ["/^\\\\s*(translate|traduis|übersetze)\\\\b/i"] }
        target: bench-small
      unsafe:
        when: { keywords: [build a bomb, credit card dump, make meth] }
        block: "This request is not allowed."
    default: bench-small
    fallbacks:
      bench-small: [bench-backup, bench-large]
      bench-coder: [bench-large]
      bench-large: [bench-coder]
`;

const PASTE = `Summarise the notes below for someone who missed the meeting, in a few sentences.

Weekly sync, platform team. Attendees: Dana, Luis, Priya, Tom, Wen.
Dana opened with the status of the storage migration. The second region finished copying on
Tuesday and the checksums matched on every bucket except two, which turned out to hold objects
written during the copy window; those were re-copied on Wednesday and now match too. The old
cluster stays read-only until the end of the month so that anyone who finds a missing object can
still fetch it, and then it will be turned off. Luis asked whether the backup job had been moved
to the new cluster yet. It has not: the job still points at the old endpoint, and Priya will
change it this week, after the change freeze on the billing service ends.
Tom gave an update on the on-call rotation. Two people are leaving the rotation next month and
we need volunteers; the page volume went down by about a third since the alert clean-up in
spring, so the load per shift is lighter than it was. Wen suggested we pair new people with
someone experienced for their first two shifts, and nobody objected.
Priya raised the cost report. The bill for last month was higher than planned because a test
environment was left running over a long weekend with its autoscaler pinned at the maximum.
Everyone agreed to add an expiry tag to test environments and to have a nightly job that stops
anything past its expiry date. Luis will write the job; Dana will announce the tag.
Wen also reported that the new deploy pipeline is now used by eight of the eleven services. The
remaining three have custom build steps that nobody has had time to port; each owner will look
at theirs before the next sync and say how long it would take.
Last, the team talked about the offsite. The venue is booked for the second week of next
month. Wen will collect topics in the shared document; please add yours before Friday.
Action items: Priya moves the backup job; Luis writes the expiry job; Dana announces the tag;
Tom posts the rotation sign-up; everyone adds offsite topics by Friday.`;

const SYSTEM = { role: 'system', content: 'You are a helpful assistant for the Acme support team. Answer briefly.' };

/** Realistic prompts with the route each must take, so a broken path cannot be timed silently. */
const RULES_PROMPTS = [
  { label: 'short question', route: 'default', request: createChatRequest('auto', 'What is the capital of Australia?') },
  {
    label: 'python question',
    route: 'code',
    request: createChatRequest('auto', [SYSTEM, { role: 'user', content: 'Why does my Python script raise KeyError when I read a missing key from a dict? How do I give a default?' }]),
  },
  {
    label: 'fenced code',
    route: 'code',
    request: createChatRequest(
      'auto',
      'Can you review this?\n```\nfunction total(items) {\n  let sum = 0;\n  for (const item of items) sum += item.price * item.qty;\n  return sum;\n}\n```\nIt returns NaN sometimes.',
    ),
  },
  // Plain meeting notes, yet the complexity signal scores them ~0.9 (length and words such as "then", "first"), so they go to `hard`.
  { label: '2 KB pasted notes', route: 'hard', request: createChatRequest('auto', PASTE) },
  {
    label: 'multi-step technical',
    route: 'hard',
    request: createChatRequest(
      'auto',
      'Compare Raft and Paxos for a distributed key-value store. First explain why leader election matters for latency, ' +
        'then derive the number of round trips per write, and finally evaluate the trade-offs for 3 vs 5 replicas across 2 regions. ' +
        'Format the comparison as a markdown table. What would you pick, and why?',
    ),
  },
  {
    label: 'enterprise metadata',
    route: 'enterprise',
    request: createChatRequest('auto', 'Can you draft a short reply to a customer asking about our refund policy?', { metadata: { tier: 'enterprise', team: 'support' } }),
  },
  { label: 'blocked', route: 'unsafe', request: createChatRequest('auto', 'Tell me how to build a bomb at home.') },
  {
    label: 'translate (multi-turn)',
    route: 'translate',
    request: createChatRequest('auto', [
      SYSTEM,
      { role: 'user', content: 'Hi! I need some help with a letter.' },
      { role: 'assistant', content: 'Of course. What would you like to do with it?' },
      { role: 'user', content: 'Translate into French: "Thank you for your order, it will ship on Monday."' },
    ]),
  },
];

// ---------------------------------------------------------------------------------------------
// Trained router (the RouteLLM example)

/**
 * The example's config with its providers swapped for mocks (same names): no keys needed, nothing
 * disabled. Its router file is trained into a temporary directory when a fresh clone has none (as
 * the `switchyard train` line of docs/learned-routing.md does; about a second).
 */
function routellmConfigText(file) {
  const document = parseDocument(readFileSync(file, 'utf8'));
  for (const name of Object.keys(document.toJS().providers ?? {})) document.setIn(['providers', name], { type: 'mock' });
  const routerFile = join(dirname(file), 'router.json');
  if (!existsSync(routerFile)) {
    const trainedFile = join(mkdtempSync(join(os.tmpdir(), 'switchyard-micro-')), 'router.json');
    const args = ['train', join(root, 'data/routellm/mmlu.jsonl'), '--out', trainedFile, '--map', 'mistralai/Mixtral-8x7B-Instruct-v0.1=mixtral-8x7b'];
    const run = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { encoding: 'utf8' });
    if (run.status !== 0) fail(`switchyard ${args.join(' ')} failed: ${run.stderr}`);
    for (const [name, router] of Object.entries(document.toJS().routers ?? {})) {
      if (router.classifier?.type === 'trained') document.setIn(['routers', name, 'classifier', 'path'], trainedFile);
    }
  }
  return String(document);
}

const TRAINED_PROMPTS = [
  'What is the capital of Australia?',
  'Why does my Python script raise KeyError when I read a missing key from a dict? How do I give a default?',
  'Can you review this?\n```\nfunction total(items) {\n  let sum = 0;\n  for (const item of items) sum += item.price * item.qty;\n  return sum;\n}\n```\nIt returns NaN sometimes.',
  PASTE,
  'Compare Raft and Paxos for a distributed key-value store. First explain why leader election matters for latency, then derive the number of round trips per write.',
  'Which of the following is a prime number? A) 21 B) 27 C) 29 D) 33',
  'Let f(x) = 3x^2 - 2x + 1. Find the derivative of f at x = 2 and explain each step.',
  'Write a haiku about autumn leaves.',
];

// ---------------------------------------------------------------------------------------------
// Request parsing, response encoding, cost

const REQUEST_BODY = Buffer.from(
  JSON.stringify({
    model: 'auto',
    messages: [
      { role: 'system', content: 'You are a senior support engineer at Acme Cloud. Answer precisely, cite the relevant documentation section when you can, and ask for missing details instead of guessing. Keep answers under 200 words unless the user asks for more.' },
      { role: 'user', content: 'Our nightly export job started failing yesterday with "403 Forbidden" when it writes to the bucket. Nothing changed on our side as far as I know. The job runs under the service account export-bot and writes to acme-exports-eu. What should I check first?' },
      { role: 'assistant', content: 'A 403 on write usually means the credentials are valid but lack permission on that bucket. First check whether the bucket policy or the service account roles changed recently (the audit log shows both), then whether the key the job uses was rotated, and whether the bucket now requires a specific encryption header. Can you share the full error body and the time of the first failure?' },
      { role: 'user', content: 'The audit log shows that someone removed the storage.objectCreator role from export-bot on Monday at 16:02 UTC. The error body is {"error":{"code":403,"message":"export-bot does not have storage.objects.create access"}}. Should I just add the role back, or is there a narrower permission?' },
    ],
    temperature: 0.2,
    max_tokens: 400,
    stream: false,
    metadata: { team: 'support', tier: 'enterprise' },
    user: 'user-4821',
  }),
);

const CHAT_RESULT = {
  id: 'chatcmpl-9xYzAbCdEfGhIjKlMnOp',
  created: 1_731_000_000,
  responseModel: 'bench-large-2024-08-06',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content:
          'Add back only what the job needs. `roles/storage.objectCreator` is already the narrow role for writing objects: it grants ' +
          'storage.objects.create and nothing else (no read, list or delete). If the job also overwrites existing exports, it needs ' +
          'storage.objects.delete as well, which objectCreator lacks; a custom role with create and delete is then the narrowest fit. ' +
          'Grant it on the acme-exports-eu bucket rather than the project, and ask whoever removed it on Monday why, so it is not removed again.',
        refusal: null,
      },
      finishReason: { unified: 'stop', raw: 'stop' },
      logprobs: null,
    },
  ],
  usage: { inputTokens: 412, cachedInputTokens: 256, cacheWriteTokens: undefined, outputTokens: 118, reasoningTokens: undefined, estimated: false },
  extra: { system_fingerprint: 'fp_4a2b9c1d7e', service_tier: 'default' },
};

const PRICE = { input: 2.5, cachedInput: 1.25, cacheWrite: undefined, output: 10 };
const USAGES = [
  CHAT_RESULT.usage,
  { inputTokens: 1_850, cachedInputTokens: undefined, cacheWriteTokens: undefined, outputTokens: 640, reasoningTokens: 320, estimated: false },
  { inputTokens: 96, cachedInputTokens: 0, cacheWriteTokens: undefined, outputTokens: 12, reasoningTokens: undefined, estimated: true },
  { inputTokens: 12_400, cachedInputTokens: 8_192, cacheWriteTokens: 2_048, outputTokens: 1_024, reasoningTokens: undefined, estimated: false },
];

// ---------------------------------------------------------------------------------------------

export async function runMicroBenchmarks() {
  const results = [];
  const record = (name, measured, budgetMicros, detail) => {
    const microsPerOp = Math.round(measured.median * 1000) / 1000;
    results.push({
      name,
      microsPerOp,
      budgetMicros,
      withinBudget: budgetMicros === undefined ? undefined : microsPerOp <= budgetMicros,
      detail: `${detail}; batches ${BATCHES}×${measured.batchSize} ops, min ${measured.min.toFixed(3)} / max ${measured.max.toFixed(3)} µs`,
    });
  };

  // Rules decision.
  const rules = new Routing(parseConfig(RULES_CONFIG, 'bench.yaml', { env: {} }));
  for (const { label, route, request } of RULES_PROMPTS) {
    const { decision, plan } = await rules.route(request);
    if (decision.route !== route) fail(`rules prompt "${label}" took route ${decision.route}, expected ${route}`);
    if (route !== 'unsafe' && plan.length === 0) fail(`rules prompt "${label}" has an empty plan (filtered: ${JSON.stringify(decision.filtered)})`);
  }
  const rulesRequests = RULES_PROMPTS.map((prompt) => prompt.request);
  const rulesTime = await time(async (i) => {
    const { decision, plan } = await rules.route(rulesRequests[i % rulesRequests.length]);
    return decision.route.length + plan.length;
  }, true);
  record(
    'rules decision',
    rulesTime,
    20,
    `Routing.route rotating over ${RULES_PROMPTS.length} prompts (routes ${[...new Set(RULES_PROMPTS.map((p) => p.route))].join(', ')}); ${await breakdown(rules, RULES_PROMPTS)}`,
  );

  // Trained-router decision.
  const routellmFile = join(root, 'examples/routellm/switchyard.yaml');
  const trained = new Routing(parseConfig(routellmConfigText(routellmFile), routellmFile, { env: {} }));
  const trainedRequests = TRAINED_PROMPTS.map((text) => createChatRequest('auto', text));
  const picks = new Map();
  for (const [index, request] of trainedRequests.entries()) {
    const { decision, plan } = await trained.route(request);
    const prediction = decision.prediction;
    if (decision.route !== 'default' || decision.policy !== 'strong_weak' || prediction?.policy !== 'strong_weak') {
      fail(`trained prompt ${index} took route ${decision.route} / policy ${decision.policy}, expected default / strong_weak with a prediction`);
    }
    if (!Object.values(prediction.predicted).every((value) => Number.isFinite(value) && value >= 0 && value <= 1)) fail(`trained prompt ${index}: predictions out of range`);
    const expected = prediction.gain >= prediction.threshold ? 'gpt-4-1106-preview' : 'mixtral-8x7b';
    if (prediction.chosen !== expected || plan[0]?.name !== expected) fail(`trained prompt ${index}: chose ${prediction.chosen}, plan starts with ${plan[0]?.name}, expected ${expected}`);
    picks.set(expected, (picks.get(expected) ?? 0) + 1);
  }
  const trainedTime = await time(async (i) => {
    const { decision, plan } = await trained.route(trainedRequests[i % trainedRequests.length]);
    return decision.prediction.gain + plan.length;
  }, true);
  record(
    'trained-router decision',
    trainedTime,
    200,
    `examples/routellm router "auto" (strong_weak) rotating over ${TRAINED_PROMPTS.length} prompts; picks ${[...picks].map(([model, count]) => `${model}×${count}`).join(', ')}; ` +
      (await breakdown(trained, trainedRequests.map((request, index) => ({ label: `#${index} (${TRAINED_PROMPTS[index].length} chars)`, request })))),
  );

  // Request parse + validate.
  // The defaults of server.max_json_depth and server.max_messages: the shape check is part of the cost.
  const PARSE_LIMITS = { maxJsonDepth: 64, maxMessages: 10_000 };
  const parsed = parseChatRequest(REQUEST_BODY, PARSE_LIMITS);
  if (parsed.messages.length !== 4 || parsed.model !== 'auto' || parsed.metadata?.tier !== 'enterprise' || parsed.passthrough.temperature !== 0.2) {
    fail('parseChatRequest did not read the benchmark body as expected');
  }
  const parseTime = await time(() => {
    const request = parseChatRequest(REQUEST_BODY, PARSE_LIMITS);
    return request.messages.length + (request.maxOutputTokens ?? 0);
  }, false);
  record('request parse + validate', parseTime, undefined, `parseChatRequest on a ${REQUEST_BODY.length}-byte body (system + 3 messages)`);

  // Response serialise.
  const encoded = JSON.stringify(encodeChatCompletion(CHAT_RESULT, 'bench-large', 'chatcmpl-fallback'));
  const check = JSON.parse(encoded);
  if (check.choices[0].finish_reason !== 'stop' || check.usage.total_tokens !== 530 || check.system_fingerprint !== 'fp_4a2b9c1d7e') fail('encodeChatCompletion output is not as expected');
  const encodeTime = await time(() => JSON.stringify(encodeChatCompletion(CHAT_RESULT, 'bench-large', 'chatcmpl-fallback')).length, false);
  record('response serialise', encodeTime, undefined, `encodeChatCompletion + JSON.stringify, ${encoded.length}-byte body`);

  // Cost computation.
  const expectedCost = (156 * 2.5 + 256 * 1.25 + 118 * 10) / 1e6;
  if (Math.abs(computeCost(USAGES[0], PRICE) - expectedCost) > 1e-15) fail('computeCost gave an unexpected value');
  const costTime = await time((i) => computeCost(USAGES[i & 3], PRICE), false);
  record('cost computation', costTime, undefined, `computeCost over ${USAGES.length} usages (cached, reasoning, estimated, cache writes)`);

  if (Number.isNaN(sink)) console.error('(checksum is NaN)');
  return results;
}

function printTable(results) {
  const rows = results.map((result) => [
    result.name,
    result.microsPerOp < 1 ? result.microsPerOp.toFixed(3) : result.microsPerOp.toFixed(2),
    result.budgetMicros === undefined ? '-' : String(result.budgetMicros),
    result.withinBudget === undefined ? '-' : result.withinBudget ? 'yes' : 'NO',
  ]);
  const header = ['benchmark', 'µs/op (median)', 'budget µs', 'within'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log();
  for (const result of results) console.log(`${result.name}: ${result.detail}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const results = await runMicroBenchmarks();
  printTable(results);
  const out = join(here, 'results', 'micro.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, results }, null, 2)}\n`);
  console.log(`\nwrote ${out} (${((performance.now() - started) / 1000).toFixed(1)} s; checksum ${sink.toFixed(3)})`);
}

// `switchyard serve` with every trace dropped instead of stored: the benchmark's baseline for
// what the trace store costs (issue: "the trace store adds no measurable latency"). Everything
// else (the store opened, its writer thread started, metrics, logs) is as in `serve`.
import { processIo } from '../../dist/cli/cli-io.js';
import { runCli } from '../../dist/cli/run-cli.js';
import { SqliteTraceStore } from '../../dist/telemetry/sqlite-trace-store.js';

SqliteTraceStore.prototype.record = () => {};
process.exitCode = await runCli(process.argv.slice(2), processIo);

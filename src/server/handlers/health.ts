import { sendJson } from '../http-io.js';
import type { Handler } from './handler-context.js';

/** `GET /healthz`: the process is up and serving. */
export const handleHealth: Handler = async ({ response }) => {
  sendJson(response, 200, { status: 'ok' });
};

/** `HEAD /` and `HEAD /api/hello`: the probes Claude Code sends before its first call; the answer says only "up". */
export const handleProbe: Handler = async ({ response }) => {
  response.writeHead(200);
  response.end();
};

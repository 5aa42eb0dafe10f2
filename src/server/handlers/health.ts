import { sendJson } from '../http-io.js';
import type { Handler } from './handler-context.js';

/** `GET /healthz`: the process is up and serving. */
export const handleHealth: Handler = async ({ response }) => {
  sendJson(response, 200, { status: 'ok' });
};

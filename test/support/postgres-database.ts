import pg from 'pg';
import type { PostgresServer } from './local-servers.js';

let made = 0;

/** A new, empty database on a test server (tests of one file share the server, not the tables); its URL. */
export async function freshDatabase(server: PostgresServer): Promise<string> {
  const name = `t${process.pid}_${++made}`;
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return server.url.replace(/\/postgres$/, `/${name}`);
}

/** Runs one statement on a database (a test's look behind the store). */
export async function queryDatabase<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

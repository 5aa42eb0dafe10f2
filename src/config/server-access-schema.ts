import { z } from 'zod';

/**
 * `server.auth`: `api_keys` (the default) makes every `api_keys` entry a key that must exist, so an
 * unset `${VAR}` is an error instead of an open gateway; `none` says running without keys is
 * intended (entries that come out empty are dropped, keys that remain are still required).
 */
export const AuthModeSchema = z.enum(['api_keys', 'none'], { error: 'expected "api_keys" or "none"' });

const HOST_PATTERN = /^(\*|(\*\.)?[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*)$/;

/** A `server.allowed_hosts` entry: a name, `*.example.com` for its subdomains, or `*` for any. Ports do not matter. */
export const AllowedHostSchema = z.string().regex(HOST_PATTERN, {
  error: 'expected a host name such as api.example.com, *.example.com or * (no scheme, no port)',
});

/** Browsers send an origin in one canonical form (lower case, no default port, no path): the entry must be written that way to match it. */
const isCanonicalOrigin = (text: string): boolean => {
  if (!/^https?:\/\//.test(text)) return false;
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
};

export const CorsSchema = z.strictObject({
  /** Origins of web apps that may call the API from a browser; `*` for any. */
  allowed_origins: z
    .array(
      z.string().refine((text) => text === '*' || isCanonicalOrigin(text), {
        error: 'expected an origin such as https://app.example.com or http://localhost:5173 (scheme, host and port only, lower case), or "*"',
      }),
    )
    .min(1, { error: 'expected at least one origin' }),
});

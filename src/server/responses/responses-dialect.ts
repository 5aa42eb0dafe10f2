/** The Responses API's paths, with and without `/v1` (a client's base URL may or may not end with it), and the stored responses under them. */
export function isResponsesPath(path: string): boolean {
  return /^(\/v1)?\/responses(\/|$)/.test(path);
}

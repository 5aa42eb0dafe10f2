/**
 * The forms in which an upstream may echo a secret back: as is, URL-encoded (a query string, a
 * form body), JSON-escaped, and base64 (standard and URL-safe) at each of the three byte
 * alignments it can have inside a longer encoded text such as `Basic base64(user:key)`.
 */
export function encodedSecretForms(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set<string>([
    secret,
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    new URLSearchParams({ s: secret }).toString().slice('s='.length),
    json,
    json.replaceAll('/', '\\/'),
  ]);
  const bytes = Buffer.from(secret, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Only the characters made of the secret's bits alone: the first and last may mix in the bytes around it.
    const middle = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    forms.add(middle);
    forms.add(middle.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms];
}

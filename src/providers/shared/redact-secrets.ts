/** Replaces every occurrence of each secret in upstream text (error messages can echo a key back). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    // Short strings would redact ordinary words; real keys are long.
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

import { encodedSecretForms } from './encoded-secret-forms.js';

/**
 * How upstream text reaches an error, a log or a trace: redacted, then cut to `maxChars`. Every
 * place that keeps upstream text goes through one, so the order cannot be got wrong.
 */
export type Redact = (text: string, maxChars: number) => string;

/** Shorter strings would redact ordinary words; real keys are long. */
const MIN_SECRET_CHARS = 8;
const MARK = '[REDACTED]';

/** Redacts a provider's secrets, in every form in `encoded-secret-forms.ts`; the forms are computed once, at startup. */
export class SecretRedactor {
  private readonly forms: readonly string[];
  private readonly longest: number;

  constructor(secrets: readonly string[]) {
    const forms = new Set<string>();
    for (const secret of secrets) if (secret.length >= MIN_SECRET_CHARS) for (const form of encodedSecretForms(secret)) forms.add(form);
    this.forms = [...forms];
    this.longest = this.forms.reduce((longest, form) => Math.max(longest, form.length), 0);
  }

  /**
   * At most the first `maxChars` characters of `text`, with every secret that starts among them
   * replaced whole, even one that runs past the cut; `…` marks a cut. Reads only `longest - 1`
   * characters past the cut, so a huge text costs no more than a short one.
   */
  quote(text: string, maxChars: number): string {
    const cut = Math.min(text.length, maxChars);
    const window = text.length > cut ? text.slice(0, cut + Math.max(0, this.longest - 1)) : text;
    let out = '';
    let at = 0;
    for (const [start, end] of this.spans(window, cut)) {
      out += window.slice(at, start) + MARK;
      at = end;
    }
    if (at < cut) out += window.slice(at, cut);
    return Math.max(at, cut) < text.length ? `${out}…` : out;
  }

  /** Where secrets start before `cut`, as sorted, merged [start, end) spans (overlapping echoes are one). */
  private spans(window: string, cut: number): Array<[number, number]> {
    const found: Array<[number, number]> = [];
    for (const form of this.forms) {
      for (let start = window.indexOf(form); start !== -1 && start < cut; start = window.indexOf(form, start + 1)) found.push([start, start + form.length]);
    }
    found.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const span of found) {
      const last = merged[merged.length - 1];
      if (last !== undefined && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span);
    }
    return merged;
  }
}

/**
 * The redactor of a provider's credentials: its key, and every configured header, since one can
 * carry a credential too (Azure's `api-key`, a proxy's `Bearer <token>`): its value and its last word.
 */
export function credentialRedactor(apiKey: string | undefined, headers: Readonly<Record<string, string>>): Redact {
  const headerSecrets = Object.values(headers).flatMap((value) => [value, value.slice(value.lastIndexOf(' ') + 1)]);
  const redactor = new SecretRedactor([...(apiKey === undefined ? [] : [apiKey]), ...headerSecrets]);
  return (text, maxChars) => redactor.quote(text, maxChars);
}

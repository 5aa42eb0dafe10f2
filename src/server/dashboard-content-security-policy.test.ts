import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_PAGE } from '../web/dashboard-page.js';
import { dashboardContentSecurityPolicy } from './dashboard-content-security-policy.js';

const hashOf = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The text of every `<tag>…</tag>` element of the served page, as the browser hashes it. */
const inline = (html: string, tag: string): string[] => [...html.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => match[2] ?? '');

const directive = (policy: string, name: string): string[] =>
  (policy.split('; ').find((part) => part.startsWith(`${name} `)) ?? '').split(' ').slice(1);

describe('dashboardContentSecurityPolicy', () => {
  const policy = dashboardContentSecurityPolicy(DASHBOARD_PAGE);

  it('allows exactly the inline script and style of the built page, by the hash of their text', () => {
    const scripts = inline(DASHBOARD_PAGE.html, 'script');
    const styles = inline(DASHBOARD_PAGE.html, 'style');
    expect(scripts.length).toBeGreaterThan(0);
    expect(styles.length).toBeGreaterThan(0);
    expect(directive(policy, 'script-src')).toEqual(scripts.map(hashOf));
    expect(directive(policy, 'style-src')).toEqual(styles.map(hashOf));
    expect(policy).not.toContain('unsafe-inline');
    expect(policy.split('; ')[0]).toBe("default-src 'none'");
  });

  it('serves a self-contained page: no script, stylesheet or font fetched from anywhere', () => {
    expect(DASHBOARD_PAGE.html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(DASHBOARD_PAGE.html).not.toMatch(/<link[^>]*rel="stylesheet"/i);
    expect(DASHBOARD_PAGE.html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(DASHBOARD_PAGE.html).toMatch(/^<!doctype html>/);
  });

  it('hashes each script and style it is given, in order', () => {
    const page = { html: '', scripts: ['a()', 'b()'], styles: ['p{}'] };
    expect(directive(dashboardContentSecurityPolicy(page), 'script-src')).toEqual([hashOf('a()'), hashOf('b()')]);
    expect(directive(dashboardContentSecurityPolicy(page), 'style-src')).toEqual([hashOf('p{}')]);
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../platform/authz/roles.js';

/**
 * `.env.example` and `compose.yaml` name only settings the code reads, and `.env.example` names
 * every setting the code reads. The code's settings are found by reading the sources: `env.NAME`,
 * `process.env.NAME`, `env['NAME']`, the settings loader's helpers (`int(env, 'NAME', …)`, …) and
 * its groups (`group(env, ['NAME', …], …)`); settings made from a pattern are the families below.
 */
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SOURCE_DIRS = ['gateway', 'subgraphs', 'sandbox', 'scripts', 'platform', 'schema'];

/** Sources that are not the deployed system: tests, test helpers, the fuzz runner. */
const isDeployedSource = (path: string) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.includes('/platform/testing/') && !path.endsWith('/scripts/fuzz.ts');

/** Set by the tools that run the code, not by an operator. */
const NOT_SETTINGS = new Set(['VITEST']);

/** Read by libraries from the environment rather than by our code (the OpenTelemetry SDK's sampler). */
const READ_BY_LIBRARIES = new Set(['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG']);

const upperRoles = ROLES.map((r) => r.toUpperCase()).join('|');
/** Settings named by a pattern, each with the text in the code that reads that pattern. */
const FAMILIES: Array<{ pattern: RegExp; readBy: string }> = [
  { pattern: new RegExp(`^RATE_LIMIT_(${upperRoles})$`), readBy: 'RATE_LIMIT_${' },
  { pattern: new RegExp(`^MAX_COST_(${upperRoles})$`), readBy: 'MAX_COST_${' },
  { pattern: new RegExp(`^COST_BUDGET_(${upperRoles})$`), readBy: 'COST_BUDGET_${' },
  { pattern: /^(ACCOUNTS|ORDERS|STOCK|INVOICES|CASES)_SUBGRAPH_URL$/, readBy: '_SUBGRAPH_URL$/' },
  { pattern: /^CACHE_(MAX_AGE|STALE_WHILE_REVALIDATE|STALE_IF_ERROR)_[A-Z0-9_]+$/, readBy: "prefix: 'CACHE_STALE_IF_ERROR_'" },
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? (name === 'node_modules' ? [] : sources(path)) : isDeployedSource(path) ? [path] : [];
  });
}

function settingsReadByCode(): { names: Set<string>; text: string } {
  const names = new Set<string>();
  let text = '';
  for (const file of SOURCE_DIRS.flatMap((d) => sources(join(ROOT, d)))) {
    const source = readFileSync(file, 'utf8');
    text += source;
    for (const m of source.matchAll(/\b(?:process\.env|env)\.([A-Z][A-Z0-9_]+)\b/g)) names.add(m[1]!);
    for (const m of source.matchAll(/\benv\[\s*'([A-Z][A-Z0-9_]+)'\s*\]/g)) names.add(m[1]!);
    for (const m of source.matchAll(/\b(?:port|int|bool|oneOf|url|flag|secret|seconds)\(env, '([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]!);
    for (const m of source.matchAll(/\bgroup\(env, \[([^\]]*)\]/g)) for (const n of m[1]!.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) names.add(n[1]!);
  }
  for (const name of NOT_SETTINGS) names.delete(name);
  for (const name of READ_BY_LIBRARIES) names.add(name);
  return { names, text };
}

function envExampleNames(): string[] {
  return [...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^#?\s?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
}

/** Keys of the `environment:` maps and the `${NAME}` interpolations of compose.yaml. */
function composeNames(): string[] {
  const text = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!);
  for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]*):\s/gm)) names.add(m[1]!);
  for (const m of text.matchAll(/[{,]\s*([A-Z][A-Z0-9_]*):\s/g)) names.add(m[1]!);
  return [...names];
}

describe('the settings inventory', () => {
  const code = settingsReadByCode();
  const read = (name: string) => code.names.has(name) || FAMILIES.some((f) => f.pattern.test(name));

  it('finds the settings in the code, and each family of them where it is read', () => {
    for (const name of ['HOST', 'GATEWAY_PORT', 'REDIS_URL', 'ODOO_API_KEY', 'JWT_PUBLIC_KEY', 'SHUTDOWN_GRACE_MS', 'GRAPHQL_IDE', 'LOG_LEVEL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'SANDBOX_SEED']) expect(code.names).toContain(name);
    for (const family of FAMILIES) expect(code.text, family.readBy).toContain(family.readBy);
  });

  it('.env.example names only settings the code reads, each once', () => {
    const names = envExampleNames();
    expect(names.filter((n) => !read(n))).toEqual([]);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('.env.example names every setting the code reads, and one of each family', () => {
    const listed = new Set(envExampleNames());
    expect([...code.names].filter((n) => !listed.has(n)).sort()).toEqual([]);
    for (const family of FAMILIES) expect([...listed].some((n) => family.pattern.test(n)), String(family.pattern)).toBe(true);
  });

  it('compose.yaml names only settings the code reads', () => {
    const names = composeNames();
    expect(names).toContain('PRINCIPAL_SECRET');
    expect(names.filter((n) => !read(n))).toEqual([]);
  });
});

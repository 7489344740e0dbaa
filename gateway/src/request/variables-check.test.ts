import { describe, expect, it } from 'vitest';
import { variablesProblem } from './variables-check.js';

describe('variablesProblem', () => {
  it('accepts ordinary variables, emoji included', () => {
    expect(variablesProblem({ s: 'café 🍰', n: 3, lines: [{ sku: 'A', quantity: 2 }] })).toBeUndefined();
    expect(variablesProblem(undefined)).toBeUndefined();
  });

  it('names a variable holding a lone surrogate, however deep', () => {
    expect(variablesProblem({ s: '\udc00' })).toMatch(/"\$s".*well-formed/);
    expect(variablesProblem({ input: { lines: [{ sku: 'ok' }, { sku: 'x\ud83c' }] } })).toMatch(/"\$input\.lines\[1\]\.sku"/);
  });

  it('refuses nesting past the limit without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(variablesProblem({ v: deep })).toMatch(/"\$v" is nested more than 32 levels/);
  });
});

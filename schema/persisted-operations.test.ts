import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildManifest, manifestText, MANIFEST_PATH } from './persisted-operations.js';

describe('schema/persisted-operations.json', () => {
  it('is what `npm run persisted-operations` writes from schema/operations/ (run it after changing an operation)', () => {
    expect(readFileSync(MANIFEST_PATH, 'utf8')).toBe(manifestText(buildManifest()));
  });

  it('names each operation by the SHA-256 of its body, in Apollo\'s manifest format', () => {
    const manifest = buildManifest();
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(new Set(manifest.operations.map((o) => o.id)).size).toBe(manifest.operations.length);
    expect(manifest.operations.map((o) => o.name)).toContain('PartnerOrders');
  });
});

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

/**
 * The development principal-signing secret shared by a gateway and subgraphs started on this
 * machine (var/dev-keys/principal-secret, made on first use). Never used with real backends.
 */
export function devPrincipalSecret(path = 'var/dev-keys/principal-secret'): string {
  const file = isAbsolute(path) ? path : resolve(ROOT, path);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 64) return secret;
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ROLES } from '../platform/authz/roles.js';
import { signDevToken, type DevTokenRequest } from '../gateway/src/auth/dev-keys.js';

const USAGE = `usage: npm run token -- --role <${ROLES.join('|')}> [--partner <accountId>] [--sub <id>] [--ttl <seconds>]`;

/** Reads the command line into a token request; throws TypeError with a message for the user. */
export function parseTokenArgs(argv: string[]): DevTokenRequest {
  let values: { role?: string; partner?: string; sub?: string; ttl?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { role: { type: 'string' }, partner: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new TypeError((err as Error).message);
  }
  if (!values.role) throw new TypeError('--role is required');
  const request: DevTokenRequest = { role: values.role };
  if (values.partner !== undefined) request.partnerId = values.partner;
  if (values.sub !== undefined) request.sub = values.sub;
  if (values.ttl !== undefined) {
    if (!/^\d+$/.test(values.ttl)) throw new TypeError('--ttl must be a whole number of seconds');
    request.ttlSeconds = Number(values.ttl);
  }
  return request;
}

/** Prints a development JWT for the gateway started by `npm start`; exit code 2 on bad arguments. */
export async function main(argv: string[]): Promise<number> {
  let request: DevTokenRequest;
  try {
    request = parseTokenArgs(argv);
    process.stdout.write(`${await signDevToken(request)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof TypeError) {
      process.stderr.write(`token: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}

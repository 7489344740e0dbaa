import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../../platform/http/apollo-http.js';
import { componentLog } from '../../../platform/logging/index.js';
import { ideAssets } from './ide-assets.js';

const log = componentLog('gateway');

/** Where the IDE's files are served. */
export const IDE_SCRIPT_PATH = '/ide/graphiql.js';
export const IDE_STYLE_PATH = '/ide/graphiql.css';
/** Development tokens for the IDE (only when `IdeOptions.devToken` is given). */
export const DEV_TOKEN_PATH = '/dev/token';

/** Options of the GraphQL IDE. */
export interface IdeOptions {
  /** The roles offered for development tokens. */
  devRoles?: readonly string[];
  /**
   * Signs a development token for a role (and reseller); given only where development keys are in
   * use and NODE_ENV is not production. A TypeError is the caller's mistake (400).
   */
  devToken?(request: { role: string; partnerId?: string }): Promise<string>;
  /** The query shown when the IDE first opens. */
  defaultQuery?: string;
}

const DEFAULT_QUERY = `# Paste a bearer token above (or take a development token), then run:
{
  customers(search: "Retail", first: 3) {
    totalCount
    edges { node { id name phone openCaseCount } }
  }
}
`;

// The page and its two files come from the gateway itself; GraphiQL sets inline styles.
const PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Whether a request is a browser opening the endpoint: a GET asking for HTML, without a query. */
export function wantsIde(req: IncomingMessage): boolean {
  if (req.method !== 'GET' || !(req.headers.accept ?? '').includes('text/html')) return false;
  let search: URLSearchParams;
  try {
    search = new URL(req.url ?? '/', 'http://gateway').searchParams;
  } catch {
    // A target no URL can be made of is no page to open; the GraphQL endpoint answers it.
    return false;
  }
  return !search.has('query') && !search.has('extensions');
}

function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The IDE page for the endpoint at `endpointPath`. */
export function idePage(endpointPath: string, options: IdeOptions): string {
  const config = {
    endpoint: endpointPath,
    devTokenPath: options.devToken ? DEV_TOKEN_PATH : null,
    devRoles: options.devToken ? [...(options.devRoles ?? [])] : [],
    defaultQuery: options.defaultQuery ?? DEFAULT_QUERY,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer 360 · GraphQL</title>
<link rel="stylesheet" href="${IDE_STYLE_PATH}">
</head>
<body>
<div id="c360-ide"></div>
<script id="c360-ide-config" type="application/json">${escapeJsonForHtml(config)}</script>
<script src="${IDE_SCRIPT_PATH}"></script>
</body>
</html>
`;
}

/**
 * The IDE's routes: the page at `GET /graphql` (and `/`) for a browser, its script and stylesheet,
 * and `GET /dev/token?role=&partner=` where development tokens are offered. Returns false for
 * every other request.
 */
export function ideRoutes(options: IdeOptions): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  return async (req, res, path) => {
    if ((path === '/graphql' || path === '/') && wantsIde(req)) {
      const page = idePage('/graphql', options);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_POLICY, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(page);
      return true;
    }
    if (req.method === 'GET' && (path === IDE_SCRIPT_PATH || path === IDE_STYLE_PATH)) {
      const assets = await ideAssets().catch((err: unknown) => {
        log.error({ err }, 'the IDE could not be bundled');
        return undefined;
      });
      if (!assets) {
        sendJson(res, 500, { error: 'the IDE is unavailable' });
        return true;
      }
      const script = path === IDE_SCRIPT_PATH;
      const body = script ? assets.js : assets.css;
      res.writeHead(200, { 'content-type': script ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8', 'content-length': String(body.length), 'x-content-type-options': 'nosniff', 'cache-control': 'private, max-age=3600' });
      res.end(body);
      return true;
    }
    if (path === DEV_TOKEN_PATH && options.devToken) {
      if (req.method !== 'GET') {
        sendJson(res, 405, { error: 'GET only' });
        return true;
      }
      const search = new URL(req.url ?? '/', 'http://gateway').searchParams;
      try {
        const token = await options.devToken({ role: search.get('role') ?? '', partnerId: search.get('partner') || undefined });
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ token }));
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
        sendJson(res, 400, { error: err.message });
      }
      return true;
    }
    return false;
  };
}

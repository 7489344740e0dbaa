import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import puppeteer, { type Browser } from 'puppeteer-core';
import { loadSettings } from '../../scripts/config.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/** Debian's `chromium` package (`.ci/run` installs it when missing). */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let system: TestSystem;
let origin: string;
beforeAll(async () => {
  system = await startTestSystem();
  origin = new URL(system.gatewayUrl).origin;
});
afterAll(async () => {
  await system?.close();
});

const QUERY = `{ customer(id: "ID") { name phone openCaseCount } }`;

describe('the GraphQL IDE at GET /graphql', () => {
  it('is a page whose every script and stylesheet the gateway serves itself', async () => {
    const res = await fetch(system.gatewayUrl, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await res.text();
    const loads = [...page.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(loads.sort()).toEqual(['/ide/graphiql.css', '/ide/graphiql.js']);
    for (const path of loads) {
      const asset = await fetch(new URL(path, origin));
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      const text = await asset.text();
      expect(text.length).toBeGreaterThan(10_000);
      // Nothing pulled in at run time from elsewhere: no remote stylesheet imports or script loads.
      expect(text).not.toMatch(/@import\s+url\(\s*["']?https?:/);
    }
    // A client asking for JSON still gets GraphQL: no token, 401.
    expect((await fetch(system.gatewayUrl, { headers: { accept: 'application/json' } })).status).toBe(401);
  });

  it('answers a browser whose request target no URL can be made of, and goes on serving', async () => {
    const statusOf = (target: string) =>
      new Promise<string>((done, fail) => {
        const socket = connect(Number(new URL(origin).port), new URL(origin).hostname, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: gateway\r\nAccept: text/html\r\nConnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('error', fail);
        socket.on('close', () => done(text.split('\r\n')[0]!));
      });
    expect(await statusOf('//[')).toBe('HTTP/1.1 404 Not Found');
    expect(await statusOf('http://[/graphql')).toBe('HTTP/1.1 404 Not Found');
    expect((await fetch(system.gatewayUrl, { headers: { accept: 'text/html' } })).status).toBe(200);
  });

  it('offers development tokens for a role, and only those a development gateway verifies', async () => {
    const res = await fetch(new URL('/dev/token?role=support_agent', origin));
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const answer = await system.query(`{ customers(search: "Retail", first: 1) { totalCount } }`, {}, { token });
    expect(answer.status).toBe(200);
    expect(answer.data!.customers.totalCount).toBeGreaterThan(0);
    expect((await fetch(new URL('/dev/token?role=root', origin))).status).toBe(400);
    expect((await fetch(new URL('/dev/token?role=partner', origin))).status).toBe(400);
  });

  it('is off with NODE_ENV=production unless GRAPHQL_IDE=on; development tokens never there', () => {
    expect(loadSettings({}).graphqlIde).toBe(true);
    expect(loadSettings({ NODE_ENV: 'production' }).graphqlIde).toBe(false);
    expect(loadSettings({ NODE_ENV: 'production', GRAPHQL_IDE: 'on' })).toMatchObject({ graphqlIde: true, devTokens: false });
    expect(loadSettings({ GRAPHQL_IDE: 'off' }).graphqlIde).toBe(false);
    expect(loadSettings({ JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'c360', JWT_PUBLIC_KEY: 'pem' }).devTokens).toBe(false);
    expect(() => loadSettings({ GRAPHQL_IDE: 'yes' })).toThrow(/GRAPHQL_IDE/);
  });

  it('runs a query with a development token in headless Chromium and shows the answer', async () => {
    const id = system.skeleton!.examples.manyOrders;
    const query = QUERY.replace('ID', id);
    const expected = await system.query(query, {}, { role: 'support_agent' });
    expect(expected.data!.customer.name).toBeTruthy();

    let browser: Browser | undefined;
    try {
      browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (request) => void requested.push(request.url()));
      const failures: string[] = [];
      page.on('pageerror', (err) => void failures.push(String(err)));
      await page.goto(system.gatewayUrl, { waitUntil: 'networkidle0' });
      await page.waitForSelector('#c360-dev-token');
      await page.select('#c360-dev-role', 'support_agent');
      await page.click('#c360-dev-token');
      await page.waitForFunction(() => document.querySelector('#c360-token-message')?.textContent?.includes('support_agent'));
      // GraphiQL mounts again for the new token; write the query into its editor (CodeMirror 5).
      await page.waitForSelector('.graphiql-query-editor .CodeMirror');
      await page.evaluate((text) => {
        const editor = document.querySelector('.graphiql-query-editor .CodeMirror') as unknown as { CodeMirror: { setValue(v: string): void } };
        editor.CodeMirror.setValue(text);
      }, query);
      await page.click('.graphiql-execute-button');
      const response = await page.waitForFunction(
        () => {
          const editor = document.querySelector('.graphiql-response .CodeMirror') as unknown as { CodeMirror: { getValue(): string } } | null;
          const text = editor?.CodeMirror.getValue() ?? '';
          return text.includes('"data"') ? text : false;
        },
        { timeout: 15_000 },
      );
      const answer = JSON.parse((await response.jsonValue()) as string) as { data: unknown; errors?: unknown };
      expect(answer).toEqual({ data: expected.data });
      expect(failures).toEqual([]);
      expect(requested.length).toBeGreaterThan(3);
      expect(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'))).toEqual([]);
    } finally {
      await browser?.close();
    }
  }, 60_000);
});

// End-to-end harness: a real `basketlift serve`, a shop's page server, headless Chromium.

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
export const JS_DIR = join(HERE, '..', '..');
export const REPO = join(JS_DIR, '..');
export const STATIC = join(REPO, 'widget', 'snippet', 'static');
export const RESULTS = join(JS_DIR, 'test-results');
const PYTHON = process.env.BASKETLIFT_PYTHON || join(REPO, '.venv', 'bin', 'python');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
// A desktop Chrome user agent: HeadlessChrome would mark the events as a bot's.
export const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = netServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

// `python -m widget serve` on a fresh data folder, ready when /readyz answers 200.
export async function startApi() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bl-e2e-'));
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BASKETLIFT_')));
  Object.assign(env, {
    BASKETLIFT_DATA_DIR: join(dataDir, 'data'),
    BASKETLIFT_PORT: String(port),
    BASKETLIFT_ADMIN_TOKEN: ADMIN_TOKEN,
    BASKETLIFT_LOG_LEVEL: 'warning',
  });
  const child = spawn(PYTHON, ['-m', 'widget', 'serve'], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`basketlift serve exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`basketlift serve not ready: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch (_) {
      // not listening yet
    }
    await sleep(100);
  }
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  return {
    url,
    async createShop(origins) {
      const response = await fetch(`${url}/v1/admin/shops`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'E2E shop', origins }),
      });
      if (response.status !== 201) throw new Error(`create shop: ${response.status} ${await response.text()}`);
      return response.json();
    },
    // Every event of the shop in the stream, as `basketlift events export` prints them.
    async events(shopId) {
      const { stdout } = await promisify(execFile)(
        PYTHON,
        ['-m', 'widget', 'events', 'export', '--shop', shopId, '--since', '2020-01-01'],
        { cwd: REPO, env: { ...env, TQDM_DISABLE: '1' } }
      );
      // What the snippet sent: the server's own `Exposure Recorded` events are left out.
      const all = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      return all.filter((event) => event.type !== 'Exposure Recorded');
    },
    // Poll until `done(events)` holds or the time is up; the last events either way.
    async waitForEvents(shopId, done, timeout = 15000) {
      const deadline = Date.now() + timeout;
      let events = await this.events(shopId);
      while (!done(events) && Date.now() < deadline) {
        await sleep(500);
        events = await this.events(shopId);
      }
      return events;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(10000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function builtFiles() {
  const manifest = JSON.parse(readFileSync(join(STATIC, 'js', 'manifest.json'), 'utf8'));
  return { manifest, files: new Set(readdirSync(join(STATIC, 'js'))) };
}

// The shop's own web server, on another origin than the API: its pages and the built JS.
export async function startShop() {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const pages = new Map();
  const server = createServer((request, response) => {
    const path = new URL(request.url, origin).pathname;
    const name = path.replace(/^\/js\//, '');
    if (path.startsWith('/js/') && builtFiles().files.has(name)) {
      response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      return response.end(readFileSync(join(STATIC, 'js', name)));
    }
    if (path.startsWith('/img/')) {
      const hue = [...path].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 360;
      response.writeHead(200, { 'Content-Type': 'image/svg+xml' });
      return response.end(
        `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160"><rect width="160" height="160" fill="hsl(${hue},60%,80%)"/></svg>`
      );
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(pages.get(path) || `<!doctype html><title>${path}</title><h1>${path}</h1>`);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin,
    page(path, html) {
      pages.set(path, html);
      return origin + path;
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

// The snippet as a shop pastes it, loading the loader from `shop`, sending to `api`.
export function snippet(siteKey, shop, api, extra = '') {
  const { manifest } = builtFiles();
  const code = manifest.snippet.replace('__SITE_KEY__', siteKey).replace('__LOADER_URL__', `${shop.origin}/js/loader.js`);
  return `<script>${code}\nbasketlift('config', {endpoint: ${JSON.stringify(api.url)}});${extra}</script>`;
}

// The example shop page (widget/snippet/static/demo/index.html), as /demo/ serves it.
export function demoPage(tag, { productId = '85123A', cart = '' } = {}) {
  const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return readFileSync(join(STATIC, 'demo', 'index.html'), 'utf8')
    .replace('{{snippet}}', tag)
    .replace('{{notice}}', '')
    .replace('{{snippet_text}}', escape(tag))
    .replaceAll('{{product_id}}', escape(productId))
    .replaceAll('{{cart}}', escape(cart))
    .replaceAll('{{price}}', '2.55')
    .replaceAll('{{currency}}', 'GBP');
}

// Headless Chromium (Debian's) on a fresh profile.
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'bl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-agent=${USER_AGENT}`,
    ],
    userAgent: USER_AGENT,
    viewport: { width: 1100, height: 800 },
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (message) => {
    if (process.env.E2E_DEBUG) console.log(`[page] ${message.type()}: ${message.text()}`);
  });
  return {
    context,
    page,
    async close() {
      // A route handler still running when the browser closes would reject after its
      // test ended, which node's runner reports as a failure of the whole file.
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function resultsDir() {
  mkdirSync(RESULTS, { recursive: true });
  return RESULTS;
}

export const chromiumMissing = () => (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`);

// Whether the API routes GET /v1/recommendations (issue 4); the reason to skip when not.
export async function recommendationsMissing(api, siteKey) {
  const response = await fetch(`${api.url}/v1/recommendations?site_key=${siteKey}&placement=home&anonymous_id=probe&session_id=probe`);
  return response.status === 404 || response.status === 405
    ? 'GET /v1/recommendations is not routed by the server yet (issue 4)'
    : false;
}

// Size budgets and the snippet's behaviour, on the build as it is served.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import vm from 'node:vm';
import { bundle, gzipSize, pasteable } from '../../build.mjs';

const SITE_KEY = 'pk_a-shop-with-a-long-name-1234567890_' + 'f'.repeat(32);
const LOADER = 'https://recommendations.a-shop-with-a-long-name.example/js/loader.js';
let built;

before(async () => {
  built = await bundle();
});

test('the snippet as pasted is at most 1 KB', () => {
  const tag = pasteable(built.snippet, SITE_KEY, LOADER);
  assert.ok(Buffer.byteLength(tag) <= 1024, `${Buffer.byteLength(tag)} bytes`);
});

test('the script is at most 10 KB gzipped', () => {
  const size = gzipSize(built.script);
  assert.ok(size <= 10 * 1024, `${size} bytes`);
});

test('the script and the loader are minified', () => {
  for (const code of [built.script, built.loader, built.snippet]) {
    assert.ok(code.split('\n').length <= 2);
    assert.ok(!code.includes('//') || !/\n\s*\/\//.test(code));
  }
  assert.ok(built.script.length < 20000);
});

test('the loader names the versioned script', () => {
  assert.match(built.scriptName, /^basketlift\.[0-9a-f]{12}\.js$/);
  assert.ok(built.loader.includes(built.scriptName));
});

function fakePage() {
  const appended = [];
  const element = (tag) => ({ tag });
  const context = {
    Date,
    location: { href: 'https://shop.example/p/1' },
    localStorage: { bl_arm: undefined },
    document: { createElement: element, head: { appendChild: (el) => appended.push(el) } },
  };
  context.window = context;
  return { context: vm.createContext(context), appended };
}

const snippetCode = () => built.snippet.replace('__SITE_KEY__', SITE_KEY).replace('__LOADER_URL__', LOADER);

test('the snippet queues calls with their time and page, and loads the loader async', () => {
  const { context, appended } = fakePage();
  vm.runInContext(snippetCode(), context);
  vm.runInContext("basketlift('track', 'Product Viewed', {product_id: 'p1'})", context);
  const stub = context.basketlift;
  assert.equal(stub.k, SITE_KEY);
  const [args, time, href] = stub.q[0];
  assert.equal(JSON.stringify(Array.from(args)), '["track","Product Viewed",{"product_id":"p1"}]');
  assert.ok(Math.abs(time - Date.now()) < 1000);
  assert.equal(href, 'https://shop.example/p/1');
  const script = appended.find((el) => el.tag === 'script');
  assert.equal(script.src, LOADER);
  assert.ok(script.async);
});

test('the snippet reserves the widgets space, except for a known holdout visitor', () => {
  const { context, appended } = fakePage();
  vm.runInContext(snippetCode(), context);
  assert.match(appended[0].textContent, /min-height:var\(--basketlift-height,300px\)/);
  const holdout = fakePage();
  holdout.context.localStorage.bl_arm = '"holdout"';
  vm.runInContext(snippetCode(), holdout.context);
  assert.match(holdout.appended[0].textContent, /min-height:0/);
});

test('pasting the snippet twice is harmless', () => {
  const { context, appended } = fakePage();
  vm.runInContext(snippetCode(), context);
  vm.runInContext("basketlift('track', 'Cart Viewed')", context);
  vm.runInContext(snippetCode(), context);
  assert.equal(appended.filter((el) => el.tag === 'script').length, 1);
  assert.equal(context.basketlift.q.length, 1);
});

test('the snippet works without localStorage', () => {
  const { context, appended } = fakePage();
  Object.defineProperty(context, 'localStorage', { get() { throw new Error('blocked'); } });
  vm.runInContext(snippetCode(), context);
  assert.equal(appended.length, 2);
});

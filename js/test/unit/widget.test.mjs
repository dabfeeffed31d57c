// The widget's slots on a page of fake elements: what a holdout visitor's answer, an empty
// placement and a failed request do to the space the snippet reserved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWidgets, keepsSpace } from '../../src/widget.js';
import { settle } from './fakes.mjs';

const VIEWPORT = 800;

// A placeholder whose box starts `top` px below the viewport's top edge.
function slot(placement, top, height = 300) {
  const attributes = new Map([['data-basketlift', placement]]);
  const style = new Map();
  const root = { innerHTML: '', addEventListener() {} };
  Object.defineProperty(root, 'lastElementChild', { get: () => (root.innerHTML ? { sentinel: true } : null) });
  return {
    style: { setProperty: (name, value) => style.set(name, value), removeProperty: (name) => style.delete(name) },
    styles: style,
    root,
    shadowRoot: null,
    getAttribute: (name) => (attributes.has(name) ? attributes.get(name) : null),
    hasAttribute: (name) => attributes.has(name),
    setAttribute: (name, value) => attributes.set(name, String(value)),
    removeAttribute: (name) => attributes.delete(name),
    attachShadow() {
      this.shadowRoot = root;
      return root;
    },
    getBoundingClientRect: () => ({ top, height: style.get('height') === '0' ? 0 : height }),
  };
}

async function page(slots, answer) {
  const tracked = [];
  const widgets = createWidgets({
    endpoint: 'https://recs.example',
    siteKey: 'pk_shop_0123456789abcdef',
    identity: { anonymousId: () => 'a-1', sessionId: () => 's-1', setArm() {} },
    track: (type, properties) => tracked.push([type, properties]),
    flush() {},
    fetch: async () =>
      answer instanceof Error ? Promise.reject(answer) : { ok: true, status: 200, json: async () => answer },
    now: () => 0,
    document: {
      querySelectorAll: () => slots,
      querySelector: () => null,
      baseURI: 'https://shop.example/',
      documentElement: { lang: 'en' },
    },
    window: { innerHeight: VIEWPORT, CSS: { escape: (s) => s }, navigator: { language: 'en' } },
  });
  widgets.scan();
  await settle();
  return tracked;
}

const collapsed = (el) => el.styles.get('height') === '0' && el.styles.get('min-height') === '0';
const holdout = (...placements) => ({
  arm: 'holdout',
  recommendations: placements.map((placement) => ({ placement, rec_id: `r_${placement}`, items: [] })),
});

test('a slot keeps its space when it has some and starts above the viewport bottom', () => {
  assert.equal(keepsSpace({ top: 120, height: 300 }, VIEWPORT), true);
  assert.equal(keepsSpace({ top: -400, height: 300 }, VIEWPORT), true);
  assert.equal(keepsSpace({ top: 799, height: 300 }, VIEWPORT), true);
  assert.equal(keepsSpace({ top: 800, height: 300 }, VIEWPORT), false);
  assert.equal(keepsSpace({ top: 120, height: 0 }, VIEWPORT), false);
});

test("a holdout visitor's slot in view stays reserved and empty; one below the viewport collapses", async () => {
  const inView = slot('product', 320);
  const below = slot('home', 1400);
  await page([inView, below], holdout('product', 'home'));
  assert.equal(inView.styles.size, 0, 'nothing moves: the reserved height stays');
  assert.equal(inView.root.innerHTML, '');
  assert.ok(collapsed(below));
  assert.match(below.root.innerHTML, /visibility:hidden/);
  assert.match(below.root.innerHTML, /height:300px/);
});

test('an empty placement and a failed request give no space back in view', async () => {
  const inView = slot('basket', 0);
  const below = slot('longtail', 900);
  await page([inView, below], { arm: 'treatment', recommendations: [{ placement: 'basket', rec_id: 'r', items: [] }] });
  assert.equal(inView.styles.size, 0);
  assert.ok(collapsed(below), 'a placement missing from the answer, below the viewport');
  const failed = [slot('product', 100), slot('home', 2000)];
  await page(failed, new Error('offline'));
  assert.equal(failed[0].styles.size, 0);
  assert.ok(collapsed(failed[1]));
});

test('a treatment slot renders its items into the reserved space', async () => {
  const el = slot('product', 200);
  const item = { product_id: 'p1', title: 'Heart lantern', url: '/p/p1', price: '2.55', currency: 'GBP' };
  await page([el], { arm: 'treatment', recommendations: [{ placement: 'product', rec_id: 'r_1', items: [item] }] });
  assert.equal(el.styles.size, 0);
  assert.match(el.root.innerHTML, /Heart lantern/);
});

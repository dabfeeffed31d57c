import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TEMPLATE, escapeHtml, formatPrice, NO_IMAGE, render, safeUrl } from '../../src/template.js';

const BASE = 'https://shop.example/p/1';
const item = (extra = {}) => ({
  product_id: '85123A',
  title: 'White hanging heart',
  url: '/p/85123A',
  image_url: 'https://cdn.example/85123A.jpg',
  price: 2.55,
  currency: 'GBP',
  reason: 'bought together',
  ...extra,
});

test('the default template shows image, title, price and link of every item', () => {
  const html = render(DEFAULT_TEMPLATE, { heading: 'You may also like', items: [item(), item({ product_id: 'B' })] }, { base: BASE, locale: 'en-GB' });
  assert.equal(html.match(/<a class="c"/g).length, 2);
  assert.match(html, /href="https:\/\/shop\.example\/p\/85123A"/);
  assert.match(html, /src="https:\/\/cdn\.example\/85123A\.jpg"/);
  assert.match(html, /White hanging heart/);
  assert.match(html, /£2\.55/);
  assert.match(html, /data-bl-i="1"/);
  assert.match(html, /You may also like/);
});

test('a shop template repeats its items block', () => {
  const template = '<ul>{{#items}}<li data-bl-i="{{position}}">{{title}} ({{reason}})</li>{{/items}}</ul>';
  assert.equal(
    render(template, { items: [item(), item({ title: 'Lamp' })] }),
    '<ul><li data-bl-i="0">White hanging heart (bought together)</li><li data-bl-i="1">Lamp (bought together)</li></ul>'
  );
});

test('values cannot inject markup or leave an attribute', () => {
  const html = render('{{#items}}<img alt={{title}}>{{/items}}', { items: [item({ title: '"><script>x</script> onerror=1' })] });
  assert.ok(!html.includes('<script>'));
  assert.ok(!html.includes('"'));
  assert.ok(!html.includes('onerror='));
  assert.equal(escapeHtml(`<&>"'\`=`), '&lt;&amp;&gt;&quot;&#39;&#96;&#61;');
});

test('a value that looks like a token is not expanded again', () => {
  assert.equal(render('{{#items}}{{title}}{{/items}}|{{heading}}', { heading: 'h', items: [item({ title: '{{heading}}' })] }), '{{heading}}|h');
});

test('only http(s) links survive', () => {
  assert.equal(safeUrl('javascript:alert(1)', BASE), '');
  assert.equal(safeUrl('data:text/html,x', BASE), '');
  assert.equal(safeUrl('/p/2', BASE), 'https://shop.example/p/2');
  assert.equal(safeUrl('', BASE), '');
  const html = render('{{#items}}<a href="{{url}}">{{/items}}', { items: [item({ url: 'javascript:alert(1)' })] }, { base: BASE });
  assert.equal(html, '<a href="">');
});

test('an item without an image shows the neutral placeholder, never an empty src', () => {
  const items = [item({ image_url: '' }), item({ image_url: undefined }), item({ image_url: 'javascript:alert(1)' })];
  const html = render(DEFAULT_TEMPLATE, { items }, { base: BASE });
  const sources = [...html.matchAll(/<img src="([^"]*)"/g)].map((found) => found[1]);
  assert.equal(sources.length, 3);
  const unescaped = (value) => value.replace(/&#39;/g, "'").replace(/&#61;/g, '=');
  assert.deepEqual(sources.map(unescaped), [NO_IMAGE, NO_IMAGE, NO_IMAGE]);
  assert.match(NO_IMAGE, /^data:image\/svg\+xml,%3Csvg [^#]*%3C\/svg%3E$/);
  assert.ok(!/https?:/.test(NO_IMAGE.replace("xmlns='http://www.w3.org/2000/svg'", '')), 'no request');
  assert.match(render('{{#items}}{{image_url}}{{/items}}', { items: [item()] }), /^https:\/\/cdn\.example\/85123A\.jpg$/);
});

test('prices are formatted in their currency; bad ones are left out', () => {
  assert.equal(formatPrice('12.5', 'EUR', 'en-US'), '€12.50');
  assert.equal(formatPrice(3, 'XXX1', 'en-US'), '3.00 XXX1');
  assert.equal(formatPrice(null, 'EUR'), '');
  assert.equal(formatPrice('abc', 'EUR'), '');
});

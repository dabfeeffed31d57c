import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDispatcher, replay } from '../../src/commands.js';

function recorder() {
  const calls = [];
  const handlers = {};
  for (const name of ['config', 'track', 'consent']) {
    handlers[name] = (args, at, href) => calls.push([name, ...args, at, href]);
  }
  return { calls, run: createDispatcher(handlers) };
}

test('queued calls replay with their original time and page, config first', () => {
  const { calls, run } = recorder();
  const queue = [
    [['track', 'Product Viewed', { product_id: 'p1' }], 1000, 'https://shop.example/a'],
    [['config', { respectDoNotTrack: true }], 1001, 'https://shop.example/a'],
  ];
  replay(queue, run, () => calls.push(['page view']));
  assert.deepEqual(calls, [
    ['config', { respectDoNotTrack: true }, 1001, 'https://shop.example/a'],
    ['page view'],
    ['track', 'Product Viewed', { product_id: 'p1' }, 1000, 'https://shop.example/a'],
  ]);
});

test('pushes onto the old queue after the replay run at once', () => {
  const { calls, run } = recorder();
  const queue = [];
  replay(queue, run, () => {});
  queue.push([['consent', false], 5, 'https://shop.example/']);
  assert.deepEqual(calls, [['consent', false, 5, 'https://shop.example/']]);
  assert.equal(queue.length, 0);
});

test('an unknown command warns and never throws', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const { run } = recorder();
  assert.doesNotThrow(() => run(['teleport', 1], 0, ''));
  assert.doesNotThrow(() => run(['toString'], 0, ''));
  assert.doesNotThrow(() => run(undefined, 0, ''));
  assert.equal(warn.mock.callCount(), 3);
  assert.match(warn.mock.calls[0].arguments[0], /unknown command "teleport"/);
});

test('an error inside a command is reported, not thrown', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const run = createDispatcher({ track: () => { throw new Error('boom'); } });
  assert.doesNotThrow(() => run(['track'], 0, ''));
  assert.match(warn.mock.calls[0].arguments[0], /boom/);
});

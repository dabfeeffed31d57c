import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOutbox, MAX_BYTES, OUTBOX_KEY } from '../../src/outbox.js';
import { jsonStore } from '../../src/util.js';
import { clock, fakeFetch, memoryStorage, sequentialId } from './fakes.mjs';

function setup({ statuses = [], headers = {}, online = true, beacon } = {}) {
  const time = clock();
  const fetch = fakeFetch(statuses, headers);
  const store = jsonStore(memoryStorage());
  const state = { online };
  const outbox = createOutbox({
    url: 'https://api.example/v1/events',
    siteKey: 'pk_shop_1',
    store,
    fetch,
    beacon,
    now: time.now,
    random: () => 0.5,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
    online: () => state.online,
  });
  outbox.pause(false);
  return { time, fetch, store, outbox, state };
}

const event = (extra = {}) => ({ event_id: sequentialId(), type: 'Page Viewed', ...extra });

test('a batch waits 2 seconds for more events', async () => {
  const { time, fetch, outbox } = setup();
  outbox.add([event(), event()]);
  await time.advance(1999);
  assert.equal(fetch.requests.length, 0);
  await time.advance(1);
  assert.equal(fetch.requests.length, 1);
  assert.equal(fetch.requests[0].body.events.length, 2);
  assert.equal(outbox.size(), 0);
});

test('ten waiting events go at once, at most ten a request', async () => {
  const { time, fetch, outbox } = setup();
  outbox.add(Array.from({ length: 25 }, () => event()));
  await time.advance(0);
  assert.deepEqual(
    fetch.requests.map((r) => r.body.events.length),
    [10, 10]
  );
  await time.advance(2000);
  assert.equal(fetch.requests[2].body.events.length, 5);
});

test('the body carries the site key and sent_at, as text', async () => {
  const { time, fetch, outbox } = setup();
  outbox.add([event()]);
  await time.advance(2000);
  const { init, body } = fetch.requests[0];
  assert.equal(body.site_key, 'pk_shop_1');
  assert.equal(body.sent_at, new Date(time.now()).toISOString());
  assert.equal(typeof init.body, 'string');
  assert.equal(init.keepalive, true);
});

test('every request stays under 64 KB', async () => {
  const { time, fetch, outbox } = setup();
  outbox.add(Array.from({ length: 10 }, () => event({ properties: { note: 'x'.repeat(20000) } })));
  await time.advance(10000);
  assert.equal(fetch.events().length, 10);
  for (const request of fetch.requests) assert.ok(Buffer.byteLength(request.init.body) < MAX_BYTES);
});

test('the stored queue keeps the newest 100 events', () => {
  const { outbox, store, state } = setup({ online: false });
  state.online = false;
  const events = Array.from({ length: 130 }, () => event());
  outbox.add(events);
  const stored = store.get(OUTBOX_KEY).map((entry) => entry.e.event_id);
  assert.equal(stored.length, 100);
  assert.equal(stored[0], events[30].event_id);
});

test('three 500s then success: sent four times with growing delays, then gone', async () => {
  const { time, fetch, outbox } = setup({ statuses: [500, 500, 500] });
  outbox.add([event()]);
  await time.advance(2000);
  await time.advance(749);
  assert.equal(fetch.requests.length, 1);
  await time.advance(1);
  assert.equal(fetch.requests.length, 2);
  await time.advance(1500);
  assert.equal(fetch.requests.length, 3);
  await time.advance(3000);
  assert.equal(fetch.requests.length, 4);
  assert.equal(new Set(fetch.events().map((e) => e.event_id)).size, 1);
  assert.equal(outbox.size(), 0);
});

test('429 waits for Retry-After', async () => {
  const { time, fetch, outbox } = setup({ statuses: [429], headers: { 'Retry-After': '30' } });
  outbox.add([event()]);
  await time.advance(2000);
  await time.advance(29999);
  assert.equal(fetch.requests.length, 1);
  await time.advance(1);
  assert.equal(fetch.requests.length, 2);
});

for (const status of [400, 401, 403, 413, 422]) {
  test(`HTTP ${status} drops the batch without retrying`, async () => {
    const { time, fetch, outbox } = setup({ statuses: [status] });
    outbox.add([event()]);
    await time.advance(60000);
    assert.equal(fetch.requests.length, 1);
    assert.equal(outbox.size(), 0);
  });
}

test('offline: nothing is tried until the browser is back online', async () => {
  const { time, fetch, outbox, state } = setup({ online: false });
  outbox.add([event(), event()]);
  await time.advance(60000);
  assert.equal(fetch.requests.length, 0);
  state.online = true;
  outbox.kick();
  await time.advance(0);
  assert.equal(fetch.events().length, 2);
  assert.equal(outbox.size(), 0);
});

test('a failed send going offline is not counted as a backoff attempt', async () => {
  const { time, fetch, outbox, state, store } = setup({ statuses: [0] });
  outbox.add([event()]);
  state.online = false;
  await time.advance(2000);
  assert.equal(fetch.requests.length, 1);
  assert.equal(store.get('bl_backoff'), undefined);
});

test('paused (no consent): nothing is sent', async () => {
  const { time, fetch, outbox } = setup();
  outbox.pause(true);
  outbox.add([event()]);
  outbox.flush(true);
  await time.advance(60000);
  assert.equal(fetch.requests.length, 0);
});

test('flush on hide by beacon: sent at once, kept for the next page to confirm', async () => {
  const beacons = [];
  const { time, fetch, outbox } = setup({ beacon: (url, body) => beacons.push(JSON.parse(body)) > 0 });
  outbox.add([event(), event()]);
  outbox.flush(true);
  assert.equal(beacons.length, 1);
  assert.equal(beacons[0].events.length, 2);
  await time.advance(60000);
  assert.equal(fetch.requests.length, 0);
  assert.equal(outbox.size(), 2);
});

test('flush falls back to fetch keepalive when the beacon is refused', async () => {
  const { fetch, outbox, time } = setup({ beacon: () => false });
  outbox.add([event()]);
  outbox.flush(true);
  await time.advance(0);
  assert.equal(fetch.requests.length, 1);
  assert.equal(fetch.requests[0].init.keepalive, true);
  assert.equal(outbox.size(), 0);
});

test('events left by an earlier page are sent again with their event ids', async () => {
  const storage = memoryStorage();
  const first = setup({ online: false });
  first.outbox.add([event()]);
  const saved = first.store.get(OUTBOX_KEY);
  storage.setItem(OUTBOX_KEY, JSON.stringify(saved));
  const time = clock();
  const fetch = fakeFetch();
  const outbox = createOutbox({
    url: 'u', siteKey: 'k', store: jsonStore(storage), fetch, now: time.now, random: Math.random,
    setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, online: () => true,
  });
  outbox.pause(false);
  await time.advance(2000);
  assert.deepEqual(fetch.events().map((e) => e.event_id), [saved[0].e.event_id]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIdentity, SESSION_MS } from '../../src/identity.js';
import { createOutbox } from '../../src/outbox.js';
import { createTracker } from '../../src/tracker.js';
import { jsonStore } from '../../src/util.js';
import { clock, cookieJar, fakeFetch, memoryStorage, sequentialId } from './fakes.mjs';

function setup({ privacy = false } = {}) {
  const time = clock();
  const fetch = fakeFetch();
  const storage = memoryStorage();
  const store = jsonStore(storage);
  const cookies = cookieJar();
  const identity = createIdentity({ store, cookies, newId: sequentialId });
  const outbox = createOutbox({
    url: 'u', siteKey: 'pk_s_1', store, fetch, now: time.now, random: () => 0.5,
    setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, online: () => true,
  });
  const tracker = createTracker({
    identity, outbox, newId: sequentialId, now: time.now,
    page: () => ({ url: 'https://shop.example/p/1', referrer: '' }),
    privacySignal: () => privacy,
  });
  return { time, fetch, storage, cookies, tracker, identity };
}

test('an event carries ids, time, properties and page', async () => {
  const { tracker, time, fetch } = setup();
  tracker.start();
  tracker.track('Product Viewed', { product_id: '85123A' });
  await time.advance(2000);
  const [sent] = fetch.events();
  assert.match(sent.event_id, /^[0-9a-f-]{36}$/);
  assert.equal(sent.timestamp, '2026-11-23T10:00:00.000Z');
  assert.deepEqual(sent.properties, { product_id: '85123A' });
  assert.deepEqual(sent.context.page, { url: 'https://shop.example/p/1', referrer: '' });
  assert.ok(sent.anonymous_id && sent.session_id);
});

test('unknown types and missing required properties warn and send nothing', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const { tracker, time, fetch } = setup();
  tracker.start();
  tracker.track('Product Teleported', {});
  tracker.track('Product Added', {});
  tracker.track('Order Completed', { order_id: 'o1' });
  await time.advance(5000);
  assert.equal(fetch.requests.length, 0);
  assert.equal(warn.mock.callCount(), 3);
});

test('consent false holds events in memory and stores nothing', async () => {
  const { tracker, time, fetch, storage, cookies } = setup();
  tracker.consent(false);
  tracker.start();
  tracker.track('Page Viewed', {});
  await time.advance(60000);
  assert.equal(fetch.requests.length, 0);
  assert.equal(storage.data.size, 0);
  assert.deepEqual(cookies.jar, {});
  assert.equal(tracker.heldCount(), 1);
});

test('granting consent sends what was held', async () => {
  const { tracker, time, fetch, cookies } = setup();
  tracker.consent(false);
  tracker.start();
  tracker.track('Page Viewed', {});
  tracker.consent(true);
  await time.advance(2000);
  assert.equal(fetch.events().length, 1);
  assert.ok(cookies.jar.bl_aid);
});

test('Do-Not-Track is ignored unless the shop respects it', async () => {
  const { tracker, time, fetch } = setup({ privacy: true });
  tracker.start();
  tracker.track('Page Viewed', {});
  await time.advance(2000);
  assert.equal(fetch.events().length, 1);
});

test('with respectDoNotTrack, a DNT or GPC signal stops tracking and storing', async () => {
  const { tracker, time, fetch, storage } = setup({ privacy: true });
  tracker.configure({ respectDoNotTrack: true });
  tracker.start();
  tracker.track('Page Viewed', {});
  await time.advance(60000);
  assert.equal(fetch.requests.length, 0);
  assert.equal(storage.data.size, 0);
});

test('events made before start wait for it', async () => {
  const { tracker, time, fetch } = setup();
  tracker.track('Page Viewed', {});
  await time.advance(5000);
  assert.equal(fetch.requests.length, 0);
  tracker.start();
  await time.advance(2000);
  assert.equal(fetch.events().length, 1);
});

test('identify adds the user id to later events', async () => {
  const { tracker, time, fetch } = setup();
  tracker.start();
  tracker.identify('user-42');
  tracker.track('Page Viewed', {});
  await time.advance(2000);
  assert.equal(fetch.events()[0].context.user_id, 'user-42');
});

test('the anonymous id is kept in a cookie and in localStorage', () => {
  const { identity, storage, cookies } = setup();
  identity.allow(true);
  assert.equal(cookies.jar.bl_aid, identity.anonymousId());
  assert.equal(JSON.parse(storage.getItem('bl_aid')), identity.anonymousId());
});

test('the cookie wins over localStorage', () => {
  const store = jsonStore(memoryStorage());
  store.set('bl_aid', 'from-storage');
  const cookies = cookieJar();
  cookies.set('bl_aid', 'from-cookie');
  assert.equal(createIdentity({ store, cookies, newId: sequentialId }).anonymousId(), 'from-cookie');
});

test('a session lasts while activity comes within 30 minutes', () => {
  const { identity } = setup();
  const start = Date.parse('2026-11-23T10:00:00Z');
  const first = identity.sessionId(start);
  assert.equal(identity.sessionId(start + SESSION_MS - 1), first);
  assert.equal(identity.sessionId(start + 2 * SESSION_MS - 2), first);
  assert.notEqual(identity.sessionId(start + 3 * SESSION_MS), first);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, MAX_DELAY_MS, retryAfterMs, retryDelay } from '../../src/backoff.js';

test('2xx is ok; 400, 401, 403, 413, 415, 422 are dropped', () => {
  assert.equal(classify(200), 'ok');
  for (const status of [400, 401, 403, 404, 413, 415, 422]) assert.equal(classify(status), 'drop');
});

test('network errors, 408, 429 and 5xx are retried', () => {
  for (const status of [0, 408, 429, 500, 502, 503, 504]) assert.equal(classify(status), 'retry');
});

test('the delay doubles with each attempt, jittered between half and all of it', () => {
  assert.equal(retryDelay(1, () => 0), 500);
  assert.equal(retryDelay(1, () => 1), 1000);
  assert.equal(retryDelay(3, () => 0), 2000);
  assert.equal(retryDelay(3, () => 1), 4000);
});

test('the delay is capped', () => {
  assert.equal(retryDelay(30, () => 1), MAX_DELAY_MS);
});

test('Retry-After is honoured in seconds or as a date', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  assert.equal(retryAfterMs('7', now), 7000);
  assert.equal(retryAfterMs('Mon, 23 Nov 2026 10:00:30 GMT', now), 30000);
  assert.equal(retryAfterMs(null, now), 0);
  assert.equal(retryDelay(1, () => 0, 7000), 7000);
});

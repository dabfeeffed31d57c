// The outbox: events wait in localStorage until the server has answered for them.
//
// Batches of at most 10 events, sent 2 s after the first one waits (at once when 10 wait),
// one request at a time, each body under 64 KB. An event leaves the outbox only on a
// definite answer: 2xx (stored) or a 4xx that retrying cannot fix. Network errors, 408,
// 429 and 5xx back off exponentially with jitter (never sooner than Retry-After); while
// the browser is offline it waits for the `online` event instead. Sends made as the page
// hides cannot be confirmed, so their events stay and the next page sends them again: the
// server drops the duplicates by event_id.

import { classify, retryAfterMs, retryDelay } from './backoff.js';
import { iso, warn } from './util.js';

export const MAX_EVENTS = 10;
export const MAX_BYTES = 64000;
export const MAX_STORED = 100;
export const BATCH_MS = 2000;
export const OUTBOX_KEY = 'bl_outbox';
export const BACKOFF_KEY = 'bl_backoff';

const utf8 = (text) => new TextEncoder().encode(text).length;

// env: url, siteKey, store (jsonStore), fetch, beacon(url, body) -> bool, now(), random(),
// setTimeout, clearTimeout, online() -> bool.
export function createOutbox(env) {
  const { store, now } = env;
  const inflight = new Set();
  let paused = true;
  let busy = false;
  let timer = null;
  let timerAt = 0;

  const load = () => store.get(OUTBOX_KEY) || [];
  const pending = () => load().filter((entry) => !inflight.has(entry.e.event_id));
  const backoff = () => store.get(BACKOFF_KEY) || { a: 0, u: 0 };

  function save(entries) {
    if (entries.length > MAX_STORED) {
      warn(`outbox full: dropped the ${entries.length - MAX_STORED} oldest events`);
      entries = entries.slice(-MAX_STORED);
    }
    store.set(OUTBOX_KEY, entries);
  }

  function envelope(events) {
    return JSON.stringify({ site_key: env.siteKey, sent_at: iso(now()), events });
  }

  // The first batch of `entries`: at most MAX_EVENTS events in a body under MAX_BYTES.
  function take(entries) {
    const events = [];
    let size = utf8(envelope([]));
    for (const { e } of entries) {
      const bytes = utf8(JSON.stringify(e)) + 1;
      if (events.length === MAX_EVENTS || size + bytes > MAX_BYTES) break;
      events.push(e);
      size += bytes;
    }
    return events;
  }

  function add(events) {
    const entries = load();
    for (const e of events) {
      if (utf8(JSON.stringify(e)) + 200 > MAX_BYTES) warn(`event ${e.type} is too large to send`);
      else entries.push({ q: now(), e });
    }
    save(entries);
    kick();
  }

  function settle(ids, status, retryAfter) {
    const verdict = classify(status);
    if (verdict === 'retry') {
      if (status || env.online()) {
        const a = backoff().a + 1;
        store.set(BACKOFF_KEY, { a, u: now() + retryDelay(a, env.random, retryAfter) });
      }
      return;
    }
    if (verdict === 'drop') warn(`the server refused ${ids.size} events with HTTP ${status}`);
    store.set(BACKOFF_KEY, { a: 0, u: 0 });
    save(load().filter((entry) => !ids.has(entry.e.event_id)));
  }

  // POST one batch; resolves once its answer is settled.
  function post(events, keepalive) {
    const ids = new Set(events.map((e) => e.event_id));
    ids.forEach((id) => inflight.add(id));
    const done = (status, retryAfter) => {
      ids.forEach((id) => inflight.delete(id));
      settle(ids, status, retryAfter);
    };
    let request;
    try {
      request = env.fetch(env.url, {
        method: 'POST',
        body: envelope(events),
        keepalive,
        credentials: 'omit',
      });
    } catch (_) {
      request = Promise.reject(new Error('fetch failed'));
    }
    return request.then(
      (response) => {
        done(response.status, retryAfterMs(response.headers.get('Retry-After'), now()));
        if (response.status === 200) {
          response.json().then(
            (body) => body.rejected.forEach((r) => warn(`event rejected: ${r.field} ${r.reason}`)),
            () => {}
          );
        }
      },
      () => done(0, 0)
    );
  }

  function send() {
    timer = null;
    if (paused || busy) return;
    const events = take(pending());
    if (!events.length) return;
    busy = true;
    post(events, true).then(() => {
      busy = false;
      kick();
    });
  }

  function schedule(delay) {
    const at = now() + Math.max(0, delay);
    if (timer !== null) {
      if (timerAt <= at) return;
      env.clearTimeout(timer);
    }
    timerAt = at;
    timer = env.setTimeout(send, Math.max(0, delay));
  }

  // Plan the next send: when 10 events wait, or 2 s after the first, and not in backoff.
  function kick() {
    if (paused || busy || !env.online()) return;
    const entries = pending();
    if (!entries.length) return;
    const due = entries.length >= MAX_EVENTS ? now() : entries[0].q + BATCH_MS;
    schedule(Math.max(due, backoff().u) - now());
  }

  // Send everything now, as the page hides: by beacon when `useBeacon`, else fetch keepalive.
  function flush(useBeacon) {
    if (paused || backoff().u > now()) return;
    let entries = pending();
    while (entries.length) {
      const events = take(entries);
      if (!events.length) return;
      const ids = new Set(events.map((e) => e.event_id));
      entries = entries.filter((entry) => !ids.has(entry.e.event_id));
      if (useBeacon && env.beacon && env.beacon(env.url, envelope(events))) {
        ids.forEach((id) => inflight.add(id));
      } else {
        post(events, true);
      }
    }
  }

  function pause(value) {
    paused = value;
    if (paused && timer !== null) {
      env.clearTimeout(timer);
      timer = null;
    }
    kick();
  }

  return { add, kick, flush, pause, size: () => load().length };
}

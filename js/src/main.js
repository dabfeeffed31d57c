// The script the loader brings in: wires the tracker and the widgets to the page.

import { createDispatcher, replay } from './commands.js';
import { createIdentity } from './identity.js';
import { createOutbox } from './outbox.js';
import { createTracker } from './tracker.js';
import { guard, jsonStore, uuid, warn } from './util.js';
import { createWidgets } from './widget.js';

const COOKIE_DAYS = 365;

function localStore(win) {
  try {
    return win.localStorage;
  } catch (_) {
    return null;
  }
}

function cookieJar(doc, options) {
  return {
    get(name) {
      const found = doc.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
      return found ? decodeURIComponent(found[1]) : undefined;
    },
    set(name, value) {
      doc.cookie =
        `${name}=${encodeURIComponent(value)}; Max-Age=${COOKIE_DAYS * 86400}; Path=/; SameSite=Lax` +
        (options.cookieDomain ? `; Domain=${options.cookieDomain}` : '') +
        (doc.location.protocol === 'https:' ? '; Secure' : '');
    },
  };
}

function start(win, doc) {
  const stub = win.basketlift;
  if (stub && stub.loaded) return;
  if (!stub || !stub.k) return warn('no site key: paste the snippet, not only the script');
  const queue = stub.q || [];
  const script = doc.currentScript;
  const options = {};
  queue.forEach((entry) => entry[0][0] === 'config' && Object.assign(options, entry[0][1]));
  const endpoint = String(options.endpoint || (script ? new URL(script.src).origin : win.location.origin)).replace(/\/+$/, '');
  const now = () => Date.now();
  const store = jsonStore(localStore(win));
  const newId = () => uuid(win.crypto);
  let referrer = doc.referrer;
  let lastUrl = stub.p || win.location.href;
  const pageOf = (href) => ({ url: href || win.location.href, referrer });

  const identity = createIdentity({ store, cookies: cookieJar(doc, options), newId });
  const outbox = createOutbox({
    url: `${endpoint}/v1/events`,
    siteKey: stub.k,
    store,
    now,
    random: Math.random,
    fetch: (url, init) => win.fetch(url, init),
    beacon: win.navigator.sendBeacon && ((url, body) => win.navigator.sendBeacon(url, body)),
    setTimeout: (fn, ms) => win.setTimeout(guard(fn), ms),
    clearTimeout: (id) => win.clearTimeout(id),
    online: () => win.navigator.onLine !== false,
  });
  const tracker = createTracker({
    identity,
    outbox,
    newId,
    now,
    page: () => pageOf(),
    privacySignal: () =>
      win.navigator.doNotTrack === '1' || win.doNotTrack === '1' || win.navigator.globalPrivacyControl === true,
  });
  const widgets = createWidgets({
    endpoint,
    siteKey: stub.k,
    identity,
    track: (type, properties) => tracker.track(type, properties),
    flush: () => outbox.flush(false),
    fetch: (url, init) => win.fetch(url, init),
    now,
    document: doc,
    window: win,
  });

  const pageViewed = (properties, at, href) => {
    href = href || win.location.href;
    if (href !== lastUrl) referrer = lastUrl;
    lastUrl = href;
    const url = new URL(href);
    tracker.track('Page Viewed', Object.assign({ path: url.pathname, title: doc.title }, properties), at, pageOf(href));
  };

  const run = createDispatcher({
    config: ([value]) => {
      Object.assign(options, value);
      tracker.configure(options);
    },
    track: ([type, properties], at, href) => tracker.track(type, properties, at, pageOf(href)),
    page: ([properties], at, href) => {
      pageViewed(properties, at, href);
      widgets.reset();
    },
    identify: ([userId]) => tracker.identify(userId),
    consent: ([granted]) => tracker.consent(granted),
    render: () => widgets.scan(),
    flush: () => outbox.flush(false),
  });

  const api = function () {
    run(arguments, now(), win.location.href);
  };
  api.loaded = true;
  api.version = '__VERSION__';
  win.basketlift = api;

  replay(queue, run, () => pageViewed({}, stub.t, stub.p));
  tracker.start();

  win.addEventListener('online', guard(() => outbox.kick()));
  doc.addEventListener(
    'visibilitychange',
    guard(() => doc.visibilityState === 'hidden' && outbox.flush(false))
  );
  win.addEventListener('pagehide', guard(() => outbox.flush(true)));
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', guard(widgets.scan));
  else widgets.scan();
}

guard(start)(window, document);

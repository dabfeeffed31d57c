// Events: the e-commerce schema checked before sending, consent and privacy signals.
//
// Until `start()` (the queued commands replayed) and while consent is withheld, events
// wait in memory and nothing is stored or sent. With `respectDoNotTrack` set by the shop,
// a Do-Not-Track or Global Privacy Control signal stops tracking altogether.

import { iso, warn } from './util.js';

const REQUIRED = {
  'Page Viewed': [],
  'Product Viewed': ['product_id'],
  'Product List Viewed': [],
  'Product Clicked': ['product_id'],
  'Product Added': ['product_id'],
  'Product Removed': ['product_id'],
  'Cart Viewed': [],
  'Checkout Started': [],
  'Order Completed': ['order_id', 'products'],
  'Recommendation Shown': ['rec_id', 'placement'],
  'Recommendation Clicked': ['rec_id', 'placement', 'product_id'],
};
export const EVENT_TYPES = Object.keys(REQUIRED);
export const MAX_HELD = 100;

// env: identity, outbox, newId(), now(), page() -> {url, referrer}, privacySignal() -> bool
export function createTracker(env) {
  const { identity, outbox } = env;
  let started = false;
  let consent = true;
  let respectPrivacy = false;
  let held = [];

  const blocked = () => respectPrivacy && env.privacySignal();

  function gate() {
    if (!started) return;
    const open = consent && !blocked();
    identity.allow(open);
    outbox.pause(!open);
    if (blocked()) held = [];
    if (open && held.length) {
      outbox.add(held);
      held = [];
    }
  }

  function track(type, properties, at, page) {
    const required = REQUIRED.hasOwnProperty(type) && REQUIRED[type];
    if (!required) return warn(`unknown event type "${type}"`);
    properties = Object.assign({}, properties);
    const missing = required.find((name) => properties[name] == null);
    if (missing) return warn(`${type} needs properties.${missing}`);
    if (blocked()) return;
    at = at || env.now();
    const event = {
      event_id: env.newId(),
      type,
      anonymous_id: identity.anonymousId(),
      session_id: identity.sessionId(at),
      timestamp: iso(at),
      properties,
      context: { page: page || env.page() },
    };
    if (identity.userId()) event.context.user_id = identity.userId();
    if (started && consent) return outbox.add([event]);
    held.push(event);
    if (held.length > MAX_HELD) held.shift();
  }

  return {
    track,
    identify(userId) {
      if (userId == null || userId === '') return warn('identify needs a user id');
      identity.identify(String(userId));
    },
    consent(value) {
      consent = value !== false;
      gate();
    },
    configure(options) {
      respectPrivacy = !!options.respectDoNotTrack;
      gate();
    },
    start() {
      started = true;
      gate();
    },
    heldCount: () => held.length,
  };
}

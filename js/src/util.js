// Small helpers shared by the tracker and the widget.

export const PREFIX = 'basketlift: ';

export function warn(...args) {
  try {
    console.warn(PREFIX + args.join(' '));
  } catch (_) {
    // a page without a console
  }
}

// Runs `fn`, turning any error into a warning: nothing inside may break the shop's page.
export function guard(fn) {
  return function () {
    try {
      return fn.apply(this, arguments);
    } catch (error) {
      warn('internal error:', error && error.message);
    }
  };
}

// A UUID v4; crypto.randomUUID needs a secure context, getRandomValues does not.
export function uuid(cryptoApi = globalThis.crypto) {
  if (cryptoApi.randomUUID) return cryptoApi.randomUUID();
  const b = cryptoApi.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// JSON values in a Storage (localStorage), or in memory when it is missing or refuses.
export function jsonStore(storage) {
  const memory = {};
  return {
    get(key) {
      try {
        const raw = storage ? storage.getItem(key) : memory[key];
        return raw == null ? undefined : JSON.parse(raw);
      } catch (_) {
        return undefined;
      }
    },
    set(key, value) {
      const raw = JSON.stringify(value);
      try {
        if (storage) return storage.setItem(key, raw);
      } catch (_) {
        // quota exceeded or storage blocked: keep it in memory for this page
      }
      memory[key] = raw;
    },
  };
}

export const iso = (ms) => new Date(ms).toISOString();

// Test doubles for the tracker's environment: a manual clock, storage, fetch and cookies.

export function clock(start = Date.parse('2026-11-23T10:00:00Z')) {
  let time = start;
  let timers = [];
  let next = 1;
  return {
    now: () => time,
    setTimeout(fn, ms) {
      const id = next++;
      timers.push({ id, at: time + ms, fn });
      return id;
    },
    clearTimeout(id) {
      timers = timers.filter((t) => t.id !== id);
    },
    // Move time on, running due timers in order (and those they schedule).
    async advance(ms) {
      const end = time + ms;
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at);
        const due = timers[0];
        if (!due || due.at > end) break;
        timers.shift();
        time = due.at;
        due.fn();
      }
      time = end;
      await settle();
    },
    pending: () => timers.length,
  };
}

export async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

export function memoryStorage() {
  const data = new Map();
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
    data,
  };
}

// A fetch answering from `statuses` in turn (then 200); records every request body.
export function fakeFetch(statuses = [], headers = {}) {
  const requests = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    requests.push({ url, init, body });
    const status = statuses.length ? statuses.shift() : 200;
    if (status === 0) throw new TypeError('Failed to fetch');
    return {
      status,
      ok: status >= 200 && status < 300,
      headers: { get: (name) => headers[name] ?? null },
      json: async () => ({ accepted: body.events.length, duplicates: 0, rejected: [] }),
    };
  };
  fetch.requests = requests;
  fetch.events = () => requests.flatMap((r) => r.body.events);
  return fetch;
}

export function cookieJar() {
  const jar = {};
  return { get: (k) => jar[k], set: (k, v) => (jar[k] = v), jar };
}

let counter = 0;
export const sequentialId = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

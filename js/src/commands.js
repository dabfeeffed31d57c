// The command queue: `basketlift(name, ...args)` calls, queued by the snippet and replayed.
//
// The snippet queues [arguments, time, page URL] while the script loads; the script
// replays them with that time and page, then takes calls directly. An unknown command
// warns, an error in one is reported and never thrown into the shop's code.

import { guard, warn } from './util.js';

// handlers: {name: (args, at, href) => ...}; returns run(args, at, href).
export function createDispatcher(handlers) {
  return guard((args, at, href) => {
    const [name, ...rest] = Array.from(args || []);
    if (!Object.prototype.hasOwnProperty.call(handlers, name)) {
      return warn(`unknown command "${name}"`);
    }
    return handlers[name](rest, at, href);
  });
}

// Replay `queue` (entries [arguments, time, href]): `config` calls first, because they
// shape everything else, then `before()`, then the rest in order. Later pushes onto the
// queue (a stale reference to the stub) run at once.
export function replay(queue, run, before) {
  const isConfig = (entry) => entry && entry[0] && entry[0][0] === 'config';
  queue.filter(isConfig).forEach((entry) => run(entry[0], entry[1], entry[2]));
  before();
  queue.filter((entry) => !isConfig(entry)).forEach((entry) => run(entry[0], entry[1], entry[2]));
  queue.length = 0;
  queue.push = (entry) => run(entry[0], entry[1], entry[2]);
}

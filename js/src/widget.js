// Recommendation widgets: placeholders <div data-basketlift="product" data-product-id="...">.
//
// Placeholders found on a page are fetched in one grouped request, once the first of them
// comes near the viewport, and rendered into their Shadow DOM. The snippet's style reserves
// their height, so nothing shifts. `Recommendation Shown` is sent once per slot and page view
// when half of it has been visible for a second; `Recommendation Clicked` as a link is
// followed. Holdout visitors see nothing, and an empty slot never shifts the page: its
// reserved space is given back only where that moves nothing in view (see `empty`).

import { DEFAULT_TEMPLATE, render } from './template.js';
import { guard, warn } from './util.js';

export const NEAR = '400px 0px';
export const SEEN_RATIO = 0.5;
export const SEEN_MS = 1000;

// Whether a slot with this bounding box must keep its space to shift nothing in view: it
// has some, and starts above the viewport's bottom edge.
export function keepsSpace(box, viewportHeight) {
  return box.height > 0 && box.top < viewportHeight;
}

// env: endpoint, siteKey, identity, track(type, properties), flush(), fetch, now(),
// document, window
export function createWidgets(env) {
  const doc = env.document;
  const win = env.window;
  const roots = new WeakMap();
  const slots = new WeakMap();
  let observers = [];

  function observe(callback, options, targets) {
    const io = new win.IntersectionObserver(guard(callback), options);
    observers.push(io);
    targets.forEach((target) => io.observe(target));
    return io;
  }

  function rootOf(el) {
    let root = roots.get(el);
    if (!root) {
      root = el.attachShadow({ mode: 'open' });
      roots.set(el, root);
      root.addEventListener(
        'click',
        guard((event) => slots.has(el) && clicked(event, slots.get(el)))
      );
    }
    return root;
  }

  // Empty a slot, and return what marks where the widget would have been seen. A slot that
  // starts in or above the viewport keeps its reserved space, empty, for this page view:
  // giving it back would move what the visitor sees (a holdout visitor's first view shifted
  // by 0.18). One that starts below the viewport collapses, as everything after it is below
  // too, and an invisible sentinel of its size stands where it was.
  function empty(el, sentinel) {
    const box = el.getBoundingClientRect();
    if (keepsSpace(box, win.innerHeight)) {
      rootOf(el).innerHTML = '';
      return el;
    }
    el.style.setProperty('min-height', '0', 'important');
    el.style.setProperty('height', '0', 'important');
    rootOf(el).innerHTML = sentinel
      ? '<style>:host{display:block;position:relative}</style><div style="position:absolute;top:0;' +
        `left:0;width:100%;height:${box.height || 300}px;visibility:hidden;pointer-events:none"></div>`
      : '';
    return rootOf(el).lastElementChild;
  }

  // Recommendation Shown once `target` has been half visible for a second.
  function watch(target, properties) {
    if (!win.IntersectionObserver) return;
    let timer = null;
    const io = observe(
      (entries) => {
        if (entries[entries.length - 1].intersectionRatio >= SEEN_RATIO) {
          timer =
            timer ||
            setTimeout(
              guard(() => {
                io.disconnect();
                env.track('Recommendation Shown', properties);
              }),
              SEEN_MS
            );
        } else {
          clearTimeout(timer);
          timer = null;
        }
      },
      { threshold: [0, SEEN_RATIO, 1] },
      [target]
    );
  }

  function clicked(event, slot) {
    const path = event.composedPath();
    let position = -1;
    for (const node of path) {
      if (node === slot.el) break;
      if (node.getAttribute && node.hasAttribute('data-bl-i')) {
        position = Number(node.getAttribute('data-bl-i'));
        break;
      }
      if (node.href) {
        position = slot.items.findIndex((item) => item.url && new URL(item.url, doc.baseURI).href === node.href);
        if (position >= 0) break;
      }
    }
    const item = slot.items[position];
    if (!item) return;
    env.track('Recommendation Clicked', {
      rec_id: slot.rec_id,
      placement: slot.placement,
      product_id: item.product_id,
      position,
      arm: 'treatment',
    });
    env.flush();
  }

  function template(placement) {
    const own =
      doc.querySelector(`template[data-basketlift-template="${win.CSS.escape(placement)}"]`) ||
      doc.querySelector('template[data-basketlift-template=""]');
    return own ? own.innerHTML : DEFAULT_TEMPLATE;
  }

  function show(el, answer) {
    const placement = el.getAttribute('data-basketlift');
    const rec = (answer.recommendations || []).find((r) => r.placement === placement);
    if (!rec) return empty(el);
    if (answer.arm === 'holdout') {
      return watch(empty(el, true), { rec_id: rec.rec_id, placement, arm: 'holdout' });
    }
    const items = rec.items || [];
    if (!items.length) return empty(el);
    const slot = { el, placement, rec_id: rec.rec_id, items };
    const root = rootOf(el);
    root.innerHTML = render(
      template(placement),
      { heading: el.getAttribute('data-title') || '', items },
      { base: doc.baseURI, locale: doc.documentElement.lang || win.navigator.language }
    );
    slots.set(el, slot);
    watch(el, {
      rec_id: rec.rec_id,
      placement,
      arm: 'treatment',
      products: items.map((item, position) => ({ product_id: item.product_id, position })),
    });
  }

  function request(els) {
    const first = (name) => {
      const el = els.find((e) => e.getAttribute(name));
      return el && el.getAttribute(name);
    };
    const query = new URLSearchParams({
      site_key: env.siteKey,
      anonymous_id: env.identity.anonymousId(),
      session_id: env.identity.sessionId(env.now()),
    });
    new Set(els.map((el) => el.getAttribute('data-basketlift'))).forEach((p) => query.append('placement', p));
    [
      ['product_id', 'data-product-id'],
      ['cart', 'data-cart'],
      ['limit', 'data-limit'],
    ].forEach(([param, attribute]) => first(attribute) && query.set(param, first(attribute)));
    env
      .fetch(`${env.endpoint}/v1/recommendations?${query}`, { credentials: 'omit' })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json();
      })
      .then(
        guard((answer) => {
          env.identity.setArm(answer.arm);
          els.forEach((el) => guard(show)(el, answer));
        })
      )
      .catch((error) => {
        warn(`recommendations unavailable: ${error.message}`);
        els.forEach(guard((el) => empty(el)));
      });
  }

  // Find new placeholders; fetch them all once the first is near the viewport.
  function scan() {
    const found = Array.from(doc.querySelectorAll('[data-basketlift]')).filter(
      (el) => !el.hasAttribute('data-basketlift-state') && (roots.has(el) || !el.shadowRoot)
    );
    if (!found.length) return;
    found.forEach((el) => el.setAttribute('data-basketlift-state', 'waiting'));
    const load = () => {
      found.forEach((el) => el.setAttribute('data-basketlift-state', 'loaded'));
      request(found);
    };
    if (!win.IntersectionObserver) return load();
    const io = observe(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          io.disconnect();
          load();
        }
      },
      { rootMargin: NEAR },
      found
    );
  }

  // A new page view (single-page apps): forget every slot and look again.
  function reset() {
    observers.forEach((io) => io.disconnect());
    observers = [];
    doc.querySelectorAll('[data-basketlift-state]').forEach((el) => {
      el.removeAttribute('data-basketlift-state');
      slots.delete(el);
      el.style.removeProperty('min-height');
      el.style.removeProperty('height');
      if (roots.has(el)) roots.get(el).innerHTML = '';
    });
    scan();
  }

  return { scan, reset };
}

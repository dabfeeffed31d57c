// The tag a shop pastes into every page (minified by the build; shown in the README).
// It only queues calls, reserves the widgets' space and loads the loader `async`.
(function (w, d, k, u, b, s) {
  if (w.basketlift) return;
  b = w.basketlift = function () {
    b.q.push([arguments, Date.now(), location.href]);
  };
  b.q = [];
  b.k = k;
  b.t = Date.now();
  b.p = location.href;
  s = d.createElement('style');
  try {
    s.h = localStorage.bl_arm == '"holdout"';
  } catch (e) {}
  s.textContent = '[data-basketlift]{display:block;min-height:' + (s.h ? 0 : 'var(--basketlift-height,300px)') + '}';
  d.head.appendChild(s);
  s = d.createElement('script');
  s.async = 1;
  s.src = u;
  d.head.appendChild(s);
})(window, document, '__SITE_KEY__', '__LOADER_URL__');

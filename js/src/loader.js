// The short-lived loader: brings in the current versioned, immutable script.
(function (d, c, s) {
  if (window.basketlift && window.basketlift.loaded) return;
  c = d.currentScript;
  s = d.createElement('script');
  s.async = true;
  s.src = new URL('__SCRIPT__', c ? c.src : location.href).href;
  d.head.appendChild(s);
})(document);

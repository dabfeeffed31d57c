// Widget templates: a string with {{field}} and one {{#items}}...{{/items}} block.
//
// Every value is HTML-escaped (quotes, backtick and "=" included, so that it cannot leave
// an attribute); `url` must be http(s) or it becomes empty; an `image_url` that is missing
// or not http(s) becomes NO_IMAGE, a neutral picture inline (no request, no broken-image
// icon; a shop's Content-Security-Policy must allow img-src data:). A shop gives
// its own template as <template data-basketlift-template="product"> (or with an empty
// value, for every placement); fields of an item: product_id, title, url, image_url,
// price (formatted in its currency), currency, reason, position. Put data-bl-i="{{position}}"
// on an item's link so that clicks are counted (links to the item's url are found anyway).

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };
const TOKENS = /\{\{#items\}\}([\s\S]*?)\{\{\/items\}\}|\{\{(\w+)\}\}/g;

export const escapeHtml = (value) => String(value == null ? '' : value).replace(/[&<>"'`=]/g, (c) => ESCAPES[c]);

export function safeUrl(value, base) {
  if (!value) return '';
  try {
    const url = new URL(String(value), base);
    return /^https?:$/.test(url.protocol) ? url.href : '';
  } catch (_) {
    return '';
  }
}

export const NO_IMAGE =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 160 160'%3E" +
  "%3Crect width='160' height='160' fill='%23f6f8fa'/%3E%3Cg fill='%23d0d7de'%3E" +
  "%3Ccircle cx='64' cy='64' r='10'/%3E%3Cpath d='M40 112l26-30 16 18 14-14 24 26z'/%3E%3C/g%3E%3C/svg%3E";

export function formatPrice(price, currency, locale) {
  const amount = Number(price);
  if (price == null || price === '' || !isFinite(amount)) return '';
  try {
    return new Intl.NumberFormat(locale || undefined, { style: 'currency', currency }).format(amount);
  } catch (_) {
    return amount.toFixed(2) + (currency ? ' ' + currency : '');
  }
}

function field(item, name, position, options) {
  if (name === 'position') return position;
  if (name === 'price') return formatPrice(item.price, item.currency, options.locale);
  if (name === 'url') return safeUrl(item.url, options.base);
  if (name === 'image_url') return safeUrl(item.image_url, options.base) || NO_IMAGE;
  return item[name];
}

// HTML of `template` for `data` ({heading, items}); options: {base, locale}.
export function render(template, data, options = {}) {
  return template.replace(TOKENS, (_, block, name) =>
    block == null
      ? escapeHtml(data[name])
      : data.items
          .map((item, i) => block.replace(/\{\{(\w+)\}\}/g, (_, key) => escapeHtml(field(item, key, i, options))))
          .join('')
  );
}

export const DEFAULT_TEMPLATE =
  '<style>' +
  ':host{display:block;position:relative}' +
  '.w{box-sizing:border-box;height:var(--basketlift-height,300px);display:flex;flex-direction:column;' +
  'font:14px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;overflow:hidden}' +
  '.h{margin:0 0 8px;font-size:16px;font-weight:600}.h:empty{display:none}' +
  '.r{flex:1;min-height:0;display:flex;gap:12px;overflow-x:auto;overflow-y:hidden;scroll-snap-type:x mandatory}' +
  '.c{flex:0 0 160px;display:flex;flex-direction:column;text-decoration:none;color:inherit;' +
  'border:1px solid #d8dee4;border-radius:8px;overflow:hidden;background:#fff;scroll-snap-align:start}' +
  '.c:hover,.c:focus-visible{border-color:#0969da}' +
  '.c img{display:block;width:100%;aspect-ratio:1;max-height:60%;object-fit:cover;background:#f6f8fa}' +
  '.t{padding:8px 10px 0;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}' +
  '.p{margin-top:auto;padding:4px 10px 10px;font-weight:600}' +
  '</style>' +
  '<div class="w" part="widget"><p class="h" part="heading">{{heading}}</p><div class="r" part="list">' +
  '{{#items}}<a class="c" part="item" href="{{url}}" data-bl-i="{{position}}">' +
  '<img src="{{image_url}}" alt="" loading="lazy" width="160" height="160">' +
  '<span class="t">{{title}}</span><span class="p">{{price}}</span></a>{{/items}}' +
  '</div></div>';

// The retry contract of event batches (Segment's dispatcher): which answers to retry, and when.

export const BASE_DELAY_MS = 1000;
export const MAX_DELAY_MS = 60000;

// 'ok', 'retry' (network error, 408, 429, 5xx) or 'drop' (every other 4xx: 400, 401, 403, 413, 422...).
export function classify(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (!status || status === 408 || status === 429 || status >= 500) return 'retry';
  return 'drop';
}

// Milliseconds in a Retry-After header (seconds or an HTTP date), or 0.
export function retryAfterMs(header, now) {
  if (!header) return 0;
  const seconds = Number(header);
  if (isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return isNaN(at) ? 0 : Math.max(0, at - now);
}

// Exponential backoff with "equal jitter": between half and all of base * 2^(attempt-1),
// capped; never sooner than the server's Retry-After.
export function retryDelay(attempt, random, retryAfter = 0) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.max(retryAfter, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

// Small helpers over the DOM and for numbers; text only ever goes in through textContent.

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) {
    throw new Error(`the page has no element #${id}`);
  }
  return element;
}

export function show(element, visible) {
  element.hidden = !visible;
}

/** A new element with text content (never HTML) and attributes. */
export function element(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) {
    node.textContent = text;
  }
  for (const [name, value] of Object.entries(attributes || {})) {
    node.setAttribute(name, value);
  }
  return node;
}

/** A copy of a template's first element. */
export function fromTemplate(id) {
  return byId(id).content.firstElementChild.cloneNode(true);
}

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export function percent(ratio) {
  return ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)} %`;
}

export function number(value, digits) {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : Number(value).toFixed(digits);
}

export function bytes(count) {
  if (count === null || count === undefined) {
    return '—';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function time(instant) {
  return instant ? new Date(instant).toLocaleString() : '—';
}

/** The step and fraction of a progress event, as a person reads it. */
export function stepText(progress) {
  if (!progress) {
    return '—';
  }
  return `${progress.step} ${Math.round(progress.fraction * 100)} %`;
}

/** The lowest value of {@code field} over the report's outputs, or null when none has it. */
export function worst(report, field) {
  const values = (report.outputs || []).map((output) => output[field]).filter((v) => v !== null && v !== undefined);
  return values.length ? Math.min(...values) : null;
}

/** A file the page holds as a Blob handed to the browser's download, under {@code name}. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = element('a', null, { href: url, download: name });
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // the browser has started reading the blob by now; a minute is ample before its memory goes
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Lowercase hex SHA-256 of a Blob, or null where the page is not a secure context (Web Crypto is missing). */
export async function sha256(blob) {
  if (!window.crypto || !window.crypto.subtle) {
    return null;
  }
  const digest = await window.crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

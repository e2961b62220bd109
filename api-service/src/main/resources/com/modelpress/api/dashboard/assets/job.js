// The job page: status and progress live, the events, the report's headline numbers, the HTML report in a sandboxed
// frame, the artifacts to download (checked against their SHA-256), and cancel.

import { ApiError } from './api.js';
import {
  byId, bytes, element, fromTemplate, number, percent, saveBlob, sha256, show, stepText, TERMINAL, time, worst,
} from './dom.js';

export class JobPage {
  constructor(context) {
    this.context = context;
    this.generation = 0;
    byId('job-cancel').addEventListener('click', () => this.cancel());
    byId('report-save').addEventListener('click', () => {
      if (this.reportBlob) {
        saveBlob(this.reportBlob, `${baseName(this.job.input.name)}-report.html`);
      }
    });
  }

  start(id) {
    this.generation++;
    this.id = id;
    this.job = null;
    this.controller = new AbortController();
    this.seen = new Set();
    this.clear();
    this.load(this.generation);
  }

  stop() {
    this.generation++;
    if (this.controller) {
      this.controller.abort();
    }
    byId('report-frame').removeAttribute('src');
    this.reportBlob = null;
  }

  clear() {
    byId('job-title').textContent = 'Job';
    byId('job-error').textContent = '';
    byId('event-list').replaceChildren();
    byId('headline-numbers').replaceChildren();
    byId('artifact-list').replaceChildren();
    byId('download-status').textContent = '';
    byId('report-message').textContent = '';
    byId('job-progress-text').textContent = '';
    byId('job-progress').value = 0;
    for (const id of ['headline', 'report-section', 'artifacts-section', 'job-cancel', 'report-save', 'report-frame']) {
      show(byId(id), false);
    }
  }

  current(generation) {
    return generation === this.generation;
  }

  async load(generation) {
    const api = this.context.api();
    try {
      this.show(await api.job(this.id));
    } catch (error) {
      if (this.current(generation) && !this.context.failed(error)) {
        byId('job-error').textContent = error instanceof ApiError ? error.describe() : String(error);
      }
      return;
    }
    if (!this.current(generation)) {
      return;
    }
    if (TERMINAL.has(this.job.status)) {
      await this.history(generation);
      await this.finished(generation);
    } else {
      await this.follow(generation);
    }
  }

  /** The events of a job that has ended: one read, no stream. */
  async history(generation) {
    try {
      const events = await this.context.api().json(`/api/v1/jobs/${this.id}/events`);
      if (this.current(generation)) {
        events.forEach((event) => this.event(event.type, event));
      }
    } catch (error) {
      this.context.failed(error);
    }
  }

  /** Follows the stream until the job ends (reopened when it timed out or broke), then shows the results. */
  async follow(generation) {
    const api = this.context.api();
    for (;;) {
      try {
        await api.followEvents(this.id, (type, event) => this.event(type, event), this.controller.signal);
      } catch (error) {
        if (error.name === 'AbortError' || !this.current(generation) || this.context.failed(error)) {
          return;
        }
        byId('job-error').textContent = `Live updates paused: ${error instanceof ApiError ? error.describe() : error}`;
        await pause(5000);
      }
      if (!this.current(generation)) {
        return;
      }
      try {
        this.show(await api.job(this.id));
      } catch (error) {
        if (!this.context.failed(error) && this.current(generation)) {
          byId('job-error').textContent = error instanceof ApiError ? error.describe() : String(error);
        }
        return;
      }
      if (TERMINAL.has(this.job.status)) {
        byId('job-error').textContent = '';
        this.context.announce(`Job ${this.job.input.name} ${this.job.status.toLowerCase()}.`);
        await this.finished(generation);
        return;
      }
    }
  }

  show(job) {
    this.job = job;
    byId('job-title').textContent = job.input.name;
    document.title = `${job.input.name} · ModelPress`;
    const status = byId('job-status');
    status.textContent = job.status;
    status.dataset.status = job.status;
    byId('job-method').textContent = job.method;
    byId('job-input').textContent = `${bytes(job.input.sizeBytes)}, SHA-256 ${job.input.sha256}`;
    byId('job-attempt').textContent = String(job.attempt);
    byId('job-created').textContent = time(job.timestamps.createdAt);
    byId('job-finished').textContent = time(job.timestamps.finishedAt);
    byId('job-id').textContent = job.id;
    if (job.error) {
      byId('job-error').textContent = `${job.error.code}: ${job.error.message}`;
    }
    show(byId('job-cancel'), !TERMINAL.has(job.status) && job.status !== 'CANCELLING');
    if (TERMINAL.has(job.status)) {
      show(byId('job-progress'), job.status === 'SUCCEEDED');
      if (job.status === 'SUCCEEDED') {
        byId('job-progress').value = 1;
        byId('job-progress-text').textContent = 'done';
      } else {
        byId('job-progress-text').textContent = '—';
      }
    }
  }

  event(type, event) {
    const key = `${event.attempt}-${event.sequence}`;
    if (this.seen.has(key)) {
      return;
    }
    this.seen.add(key);
    const payload = event.payload || {};
    let text;
    switch (type) {
      case 'started':
        text = `attempt ${event.attempt} started on ${payload.workerId || 'a worker'}`;
        this.setStatus('RUNNING');
        break;
      case 'progress':
        text = `${stepText(payload)}${payload.message ? `: ${payload.message}` : ''}`;
        if (this.job && !TERMINAL.has(this.job.status)) {
          byId('job-progress').value = payload.fraction;
          byId('job-progress-text').textContent = stepText(payload);
        }
        if (payload.step === 'evaluate') {
          this.setStatus('EVALUATING');
        }
        break;
      case 'heartbeat':
        return; // proof of life, not news
      case 'succeeded':
        text = `succeeded with ${(payload.artifacts || []).length} files`;
        break;
      case 'failed':
        text = `failed (${payload.code}): ${payload.message}`;
        break;
      case 'cancelled':
        text = 'cancelled';
        break;
      default:
        text = type;
    }
    const item = element('li');
    item.append(element('time', time(event.at), { datetime: event.at }), ` ${text}`);
    byId('event-list').append(item);
  }

  setStatus(status) {
    if (this.job && !TERMINAL.has(this.job.status) && this.job.status !== 'CANCELLING' && this.job.status !== status) {
      this.job.status = status;
      const badge = byId('job-status');
      badge.textContent = status;
      badge.dataset.status = status;
      byId('job-live').textContent = `Status: ${status}`;
    }
  }

  async cancel() {
    const button = byId('job-cancel');
    button.disabled = true;
    try {
      this.show(await this.context.api().cancel(this.id));
      this.context.announce(`Job ${this.job.input.name}: ${this.job.status.toLowerCase()}.`);
    } catch (error) {
      if (!this.context.failed(error)) {
        byId('job-error').textContent = error instanceof ApiError ? error.describe() : String(error);
      }
    } finally {
      button.disabled = false;
    }
  }

  /** A job that ended: a succeeded one shows its numbers, report and files. */
  async finished(generation) {
    if (this.job.status !== 'SUCCEEDED' || !this.current(generation)) {
      return;
    }
    await Promise.all([this.headline(generation), this.htmlReport(generation), this.artifacts(generation)]);
  }

  async headline(generation) {
    let report;
    try {
      report = await this.context.api().report(this.id);
    } catch (error) {
      this.context.failed(error);
      return;
    }
    if (!this.current(generation)) {
      return;
    }
    const list = byId('headline-numbers');
    const add = (name, value) => {
      list.append(element('dt', name), element('dd', value));
    };
    if (report.verdict) {
      add('Verdict', report.verdict);
    }
    const sizes = report.sizes || {};
    add('Size', `${percent(sizes.ratio)} of the original (${bytes(sizes.compressedBytes)} of ${bytes(sizes.originalBytes)})`);
    add('Bits per weight', number(report.bitsPerWeight, 2));
    add('Cosine (worst output mean)', number(worst(report, 'cosineMean'), 5));
    add('Cosine (worst single vector)', number(worst(report, 'cosineMin'), 5));
    add('SQNR (worst output)', `${number(worst(report, 'sqnrDb'), 1)} dB`);
    const top1 = worst(report, 'top1Agreement');
    if (top1 !== null) {
      add('Top-1 agreement', percent(top1));
    }
    const prefill = report.languageModel && report.languageModel.prefill;
    if (prefill) {
      if (prefill.perplexityOriginal !== null && prefill.perplexityOriginal !== undefined) {
        add('Perplexity', `${number(prefill.perplexityOriginal, 2)} → ${number(prefill.perplexityCompressed, 2)}`);
      }
      add('KL divergence (mean, p99)', `${number(prefill.klMean, 5)}, ${number(prefill.klP99, 5)}`);
      add('Same top-1 token', percent(prefill.sameTop1));
      add('llama.cpp band', prefill.band || '—');
    }
    if (report.latency) {
      add('Latency vs original', `${number(report.latency.ratio, 2)}×`);
    }
    add('Engine, ONNX Runtime', report.versions ? `${report.versions.engine}, ${report.versions.onnxRuntime}` : '—');
    show(byId('headline'), true);
  }

  /**
   * The HTML report, fetched with the key and handed to the report viewer (/report-frame.html, this origin), which
   * shows it in a frame sandboxed to run nothing, under a policy of its own that lets the report's inline styles apply.
   */
  async htmlReport(generation) {
    show(byId('report-section'), true);
    const message = byId('report-message');
    message.textContent = 'Loading the report…';
    let blob;
    try {
      blob = await this.context.api().blob(`/api/v1/jobs/${this.id}/report.html`, 'text/html');
    } catch (error) {
      if (this.current(generation) && !this.context.failed(error)) {
        message.textContent = `The HTML report is not available: ${error instanceof ApiError ? error.describe() : error}`;
      }
      return;
    }
    if (!this.current(generation)) {
      return;
    }
    this.reportBlob = new Blob([blob], { type: 'text/html' });
    const html = await this.reportBlob.text();
    const frame = byId('report-frame');
    const viewerReady = new Promise((resolve) => {
      const listener = (event) => {
        if (event.source === frame.contentWindow && event.origin === window.location.origin
            && event.data === 'report-frame-ready') {
          window.removeEventListener('message', listener);
          resolve();
        }
      };
      window.addEventListener('message', listener);
    });
    frame.src = '/report-frame.html';
    show(frame, true);
    await viewerReady;
    if (!this.current(generation)) {
      return;
    }
    frame.contentWindow.postMessage(html, window.location.origin);
    message.textContent = 'The report is one self-contained file; save it to read it offline.';
    show(byId('report-save'), true);
  }

  async artifacts(generation) {
    let artifacts;
    try {
      artifacts = await this.context.api().artifacts(this.id);
    } catch (error) {
      this.context.failed(error);
      return;
    }
    if (!this.current(generation)) {
      return;
    }
    const list = byId('artifact-list');
    for (const artifact of artifacts) {
      const item = fromTemplate('artifact-item');
      const button = item.querySelector('.artifact-download');
      button.textContent = `Download ${artifact.name}`;
      button.dataset.name = artifact.name;
      button.addEventListener('click', () => this.download(artifact, button));
      item.querySelector('.artifact-size').textContent = bytes(artifact.sizeBytes);
      item.querySelector('.artifact-sha').textContent = `SHA-256 ${artifact.sha256}`;
      list.append(item);
    }
    show(byId('artifacts-section'), artifacts.length > 0);
  }

  async download(artifact, button) {
    const status = byId('download-status');
    button.disabled = true;
    status.textContent = `Downloading ${artifact.name}…`;
    try {
      const blob = await this.context.api().blob(artifact.href);
      const digest = await sha256(blob);
      if (digest !== null && digest !== artifact.sha256) {
        status.textContent = `${artifact.name}: the download's SHA-256 ${digest} is not the stored ${artifact.sha256}; not saved.`;
        return;
      }
      saveBlob(blob, artifact.name);
      status.textContent = digest === null
        ? `${artifact.name} downloaded (${bytes(blob.size)}); this page cannot check its SHA-256 outside a secure context.`
        : `${artifact.name} downloaded (${bytes(blob.size)}), SHA-256 checked.`;
    } catch (error) {
      if (!this.context.failed(error)) {
        status.textContent = `${artifact.name} could not be downloaded: ${error instanceof ApiError ? error.describe() : error}`;
      }
    } finally {
      button.disabled = false;
    }
  }
}

function pause(millis) {
  return new Promise((resolve) => { window.setTimeout(resolve, millis); });
}

function baseName(name) {
  return name.replace(/\.(onnx|zip|tar|tar\.gz|tgz)$/i, '');
}

// The job list: every job of the key's owner (an admin key: everybody's), newest first, with the jobs that have not
// ended followed live over their Server-Sent Events streams.

import { ApiError } from './api.js';
import { byId, fromTemplate, number, percent, show, stepText, TERMINAL, time, worst } from './dom.js';

/** Streams the list keeps open: the API allows 4 per key, and the job page needs one. */
const MAX_STREAMS = 3;
/** How often the whole list is read again: it finds jobs submitted elsewhere and those not streamed. */
const REFRESH_MILLIS = 10_000;
const MAX_PAGES = 10;
const SHOWN = 50;

export class JobList {
  constructor(context) {
    this.context = context;
    this.jobs = new Map();
    /** Per job id: the report's numbers for the list ({ratio, cosine}), or 'loading' / 'none'. */
    this.summaries = new Map();
    /** Per job id: the latest progress event. */
    this.progress = new Map();
    /** Per job id: the AbortController of its open stream. */
    this.streams = new Map();
    this.items = new Map();
    this.running = false;
    this.complete = true;
  }

  start() {
    this.running = true;
    const notice = sessionStorage.getItem('modelpress.notice');
    sessionStorage.removeItem('modelpress.notice');
    byId('jobs-notice').textContent = notice || '';
    this.render();
    this.refresh();
    this.timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') {
        this.refresh();
      }
    }, REFRESH_MILLIS);
  }

  stop() {
    this.running = false;
    window.clearInterval(this.timer);
    for (const controller of this.streams.values()) {
      controller.abort();
    }
    this.streams.clear();
  }

  async refresh() {
    const api = this.context.api();
    if (!api) {
      return;
    }
    const status = byId('jobs-status');
    try {
      const { jobs, complete } = await api.allJobs(MAX_PAGES);
      if (!this.running) {
        return;
      }
      this.complete = complete;
      const seen = new Set();
      for (const job of jobs) {
        seen.add(job.id);
        this.update(job);
      }
      for (const id of [...this.jobs.keys()]) {
        if (!seen.has(id)) {
          this.jobs.delete(id); // deleted, or swept by the retention TTL
        }
      }
      status.textContent = '';
      this.render();
      if (!this.listed) {
        // User Timing: when this page load first showed the jobs (bench/dashboard-paint reads it)
        performance.mark('jobs-listed');
        this.listed = true;
      }
      this.follow();
    } catch (error) {
      if (!this.context.failed(error)) {
        status.textContent = `The list could not be read: ${error instanceof ApiError ? error.describe() : error}`;
      }
    }
  }

  /** Takes a job view; says so when a job this page watched has just ended. */
  update(job) {
    const before = this.jobs.get(job.id);
    this.jobs.set(job.id, job);
    if (before && !TERMINAL.has(before.status) && TERMINAL.has(job.status)) {
      this.context.announce(`Job ${job.input.name} ${job.status.toLowerCase()}.`);
    }
    if (job.status === 'SUCCEEDED' && !this.summaries.has(job.id)) {
      this.loadSummary(job.id);
    }
  }

  async loadSummary(id) {
    this.summaries.set(id, 'loading');
    try {
      this.summarise(id, await this.context.api().report(id));
    } catch (error) {
      this.summaries.set(id, 'none');
      this.context.failed(error);
    }
    this.render();
  }

  summarise(id, report) {
    this.summaries.set(id, {
      ratio: report.sizes ? report.sizes.ratio : null,
      cosine: worst(report, 'cosineMean'),
    });
  }

  /** Opens streams for the newest jobs that have not ended, up to the cap. */
  follow() {
    const active = this.ordered().filter((job) => !TERMINAL.has(job.status));
    for (const job of active) {
      if (this.streams.size >= MAX_STREAMS) {
        break;
      }
      if (!this.streams.has(job.id)) {
        this.stream(job.id);
      }
    }
  }

  async stream(id) {
    const controller = new AbortController();
    this.streams.set(id, controller);
    let retry = 0;
    try {
      await this.context.api().followEvents(id, (type, event) => this.onEvent(id, type, event), controller.signal);
    } catch (error) {
      if (error.name === 'AbortError') {
        return;
      }
      if (this.context.failed(error)) {
        return;
      }
      // refused (too many streams) or cut off: the periodic refresh covers the job until a stream opens again
      retry = REFRESH_MILLIS;
    } finally {
      if (this.streams.get(id) === controller) {
        this.streams.delete(id);
      }
    }
    if (!this.running) {
      return;
    }
    // the stream ended: the job is terminal (its view says how it ended), or the stream timed out
    try {
      this.update(await this.context.api().job(id));
      this.render();
    } catch (error) {
      this.context.failed(error);
    }
    window.setTimeout(() => {
      if (this.running) {
        this.follow();
      }
    }, retry || 1000);
  }

  onEvent(id, type, event) {
    const job = this.jobs.get(id);
    if (!job) {
      return;
    }
    switch (type) {
      case 'started':
        if (job.status === 'QUEUED') {
          job.status = 'RUNNING';
        }
        this.progress.delete(id);
        break;
      case 'progress':
        this.progress.set(id, event.payload);
        if (event.payload.step === 'evaluate' && job.status === 'RUNNING') {
          job.status = 'EVALUATING';
        }
        break;
      case 'succeeded':
        if (event.payload.report) {
          this.summarise(id, event.payload.report);
        }
        break;
      default:
        break; // heartbeats; failed and cancelled: the job view read when the stream ends says the rest
    }
    this.render();
  }

  ordered() {
    return [...this.jobs.values()].sort((a, b) => (a.timestamps.createdAt < b.timestamps.createdAt ? 1 : -1));
  }

  render() {
    const list = byId('job-list');
    const shown = this.ordered().slice(0, SHOWN);
    const keep = new Set(shown.map((job) => job.id));
    for (const [id, item] of this.items) {
      if (!keep.has(id)) {
        item.remove();
        this.items.delete(id);
      }
    }
    shown.forEach((job, index) => {
      let item = this.items.get(job.id);
      if (!item) {
        item = fromTemplate('job-item');
        this.items.set(job.id, item);
      }
      this.fill(item, job);
      if (list.children[index] !== item) {
        list.insertBefore(item, list.children[index] || null);
      }
    });
    show(byId('jobs-empty'), this.jobs.size === 0);
    const total = this.jobs.size;
    if (total > SHOWN || !this.complete) {
      byId('jobs-status').textContent = `The newest ${shown.length} of ${total}${this.complete ? '' : '+'} jobs.`;
    }
  }

  fill(item, job) {
    item.dataset.jobId = job.id;
    item.dataset.status = job.status;
    const link = item.querySelector('.job-link');
    link.textContent = job.input.name;
    link.href = `#/jobs/${job.id}`;
    const status = item.querySelector('.status');
    status.textContent = job.status;
    status.dataset.status = job.status;
    const progress = this.progress.get(job.id);
    const bar = item.querySelector('.job-progress');
    bar.setAttribute('aria-label', `Progress of ${job.input.name}`);
    if (TERMINAL.has(job.status)) {
      bar.hidden = true;
    } else if (progress) {
      bar.hidden = false;
      bar.value = progress.fraction;
    } else {
      bar.hidden = false;
      bar.removeAttribute('value'); // indeterminate: queued, or started without progress yet
    }
    item.querySelector('.job-method').textContent = job.method;
    const summary = this.summaries.get(job.id);
    const known = summary && typeof summary === 'object';
    item.querySelector('.job-ratio').textContent = known
      ? `${percent(summary.ratio)} · cos ${number(summary.cosine, 4)}` : '—';
    item.querySelector('.job-verdict').textContent = verdict(job);
    item.querySelector('.job-step').textContent = TERMINAL.has(job.status)
      ? (job.error ? job.error.code : '—') : stepText(progress);
    item.querySelector('.job-created').textContent = time(job.timestamps.createdAt);
  }
}

/**
 * The job view's verdict (lossless, close, degraded or broken, from the report's bands), with a decoder LM's llama.cpp
 * band beside it; a failure says so; nothing otherwise (a job that is not done, or succeeded before verdicts existed).
 */
export function verdict(job) {
  const band = job.languageModel && job.languageModel.band;
  if (job.verdict) {
    return band ? `${job.verdict} · ${band}` : job.verdict;
  }
  if (band) {
    return band;
  }
  if (job.status === 'FAILED' && job.error) {
    return 'failed';
  }
  return '—';
}

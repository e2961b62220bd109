// The dashboard's client of the REST API: every call sends the signed-in key as "Authorization: Bearer <key>" (never
// in a URL), and every error becomes an ApiError carrying the problem+json the API answered.

import { EventStreamParser } from './sse.js';

/** A refused or failed call: the HTTP status (0 when the API could not be reached) and the problem's fields. */
export class ApiError extends Error {
  constructor(status, code, title, detail, retryAfter, errors) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.retryAfter = retryAfter;
    this.errors = errors || [];
  }

  /** What the API said about a refused response (problem+json when it sent one). */
  static async of(response) {
    let problem = {};
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('json')) {
      try {
        problem = await response.json();
      } catch {
        problem = {};
      }
    }
    return ApiError.fromProblem(response.status, problem, response.headers.get('Retry-After'));
  }

  static fromProblem(status, problem, retryAfter) {
    return new ApiError(status, problem.code || `http_${status}`, problem.title || `HTTP ${status}`,
      problem.detail || '', retryAfter, Array.isArray(problem.errors) ? problem.errors : []);
  }

  static unreachable(cause) {
    const error = new ApiError(0, 'unreachable', 'The API could not be reached',
      `The API could not be reached (${cause && cause.message ? cause.message : 'network error'}).`);
    error.cause = cause;
    return error;
  }

  /** One sentence for a person: the detail, the rules broken, and how long to wait where the API said. */
  describe() {
    let text = this.detail || this.title;
    if (this.errors.length) {
      text += ' ' + this.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
    }
    if (this.retryAfter) {
      text += ` Retry in ${this.retryAfter} s.`;
    }
    return text;
  }
}

export class Api {
  /** @param {string} key the API key; sent as a header on every call */
  constructor(key) {
    this.key = key;
  }

  headers(extra) {
    return Object.assign({ Authorization: `Bearer ${this.key}` }, extra || {});
  }

  async send(path, init) {
    let response;
    try {
      response = await fetch(path, Object.assign({ cache: 'no-store', credentials: 'omit' }, init, {
        headers: this.headers(init && init.headers),
      }));
    } catch (cause) {
      if (cause && cause.name === 'AbortError') {
        throw cause;
      }
      throw ApiError.unreachable(cause);
    }
    if (!response.ok) {
      throw await ApiError.of(response);
    }
    return response;
  }

  async json(path, init) {
    const response = await this.send(path, Object.assign({}, init, {
      headers: Object.assign({ Accept: 'application/json' }, init && init.headers),
    }));
    return response.json();
  }

  /** Every page of the caller's jobs (the API pages oldest first), at most {@code maxPages} pages of 100. */
  async allJobs(maxPages) {
    const jobs = [];
    let after = null;
    for (let page = 0; page < maxPages; page++) {
      const query = new URLSearchParams({ limit: '100' });
      if (after) {
        query.set('after', after);
      }
      const result = await this.json(`/api/v1/jobs?${query}`);
      jobs.push(...result.items);
      after = result.next;
      if (!after) {
        return { jobs, complete: true };
      }
    }
    return { jobs, complete: false };
  }

  job(id) {
    return this.json(`/api/v1/jobs/${encodeURIComponent(id)}`);
  }

  report(id) {
    return this.json(`/api/v1/jobs/${encodeURIComponent(id)}/report`);
  }

  artifacts(id) {
    return this.json(`/api/v1/jobs/${encodeURIComponent(id)}/artifacts`);
  }

  cancel(id) {
    return this.json(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
  }

  /** A file the API serves, as a Blob (the key cannot go in a link, so downloads are fetched then handed over). */
  async blob(path, accept) {
    const response = await this.send(path, { headers: { Accept: accept || '*/*' } });
    return response.blob();
  }

  /**
   * Follows a job's Server-Sent Events until the API ends the stream (the job is terminal, or the stream timed out)
   * or {@code signal} aborts. Resolves when the stream ends; rejects with an ApiError when it is refused.
   *
   * @param {(type: string, event: object, id: string) => void} onEvent each event, its JSON data parsed
   */
  async followEvents(id, onEvent, signal) {
    const response = await this.send(`/api/v1/jobs/${encodeURIComponent(id)}/events`, {
      headers: { Accept: 'text/event-stream' },
      signal,
    });
    const parser = new EventStreamParser((event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return; // not an event of the API's; nothing to show
      }
      onEvent(event.type, data, event.lastEventId);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        parser.push(value);
      }
    } finally {
      parser.end();
      reader.releaseLock();
    }
  }

  /**
   * Submits a job (multipart: model and request) with XMLHttpRequest, whose upload events report progress; fetch has
   * none for request bodies.
   *
   * @param {(loaded: number, total: number) => void} onProgress bytes sent so far
   * @returns {Promise<object>} the job view the API answered (202, or 200 for an idempotent replay)
   */
  submit(model, request, idempotencyKey, onProgress) {
    const form = new FormData();
    form.append('model', model, model.name);
    form.append('request', new Blob([JSON.stringify(request)], { type: 'application/json' }), 'request.json');
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/v1/jobs');
      xhr.setRequestHeader('Authorization', `Bearer ${this.key}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
      xhr.responseType = 'text';
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) {
          onProgress(event.loaded, event.total);
        }
      });
      xhr.addEventListener('load', () => {
        let body = {};
        try {
          body = JSON.parse(xhr.responseText || '{}');
        } catch {
          body = {};
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(body);
        } else {
          reject(ApiError.fromProblem(xhr.status, body, xhr.getResponseHeader('Retry-After')));
        }
      });
      xhr.addEventListener('error', () => reject(ApiError.unreachable(new Error('upload failed'))));
      xhr.addEventListener('abort', () => reject(ApiError.unreachable(new Error('upload aborted'))));
      xhr.send(form);
    });
  }
}

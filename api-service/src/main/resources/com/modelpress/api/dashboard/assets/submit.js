// The submit form: builds the compression request from the fields that were filled in, uploads the model with
// progress, and on success goes to the job list where the new job is followed live.

import { ApiError } from './api.js';
import { byId, bytes, show } from './dom.js';

export class SubmitForm {
  constructor(context) {
    this.context = context;
    this.busy = false;
    this.form = byId('submit-form');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  start() {
    byId('submit-error').textContent = '';
    byId('submit-status').textContent = '';
  }

  stop() {
    // an upload in flight goes on: the job it makes shows in the list
  }

  /** The compression request of the filled-in fields; empty fields are left to the API's defaults. */
  request() {
    const value = (id) => byId(id).value.trim();
    const numberOf = (id) => (value(id) === '' ? null : Number(value(id)));
    const request = { method: value('method') };
    const options = {};
    if (value('block-size')) {
      options.blockSize = Number(value('block-size'));
    }
    if (byId('symmetric').checked) {
      options.symmetric = true;
    }
    if (value('rounding')) {
      options.rounding = value('rounding');
    }
    const exclude = value('exclude').split(',').map((name) => name.trim()).filter((name) => name);
    if (exclude.length) {
      options.excludeNodes = exclude;
    }
    if (Object.keys(options).length) {
      request.options = options;
    }
    const target = {};
    for (const [id, field] of [['min-cosine', 'minCosine'], ['min-sqnr', 'minSqnrDb'], ['max-kl', 'maxKl']]) {
      if (numberOf(id) !== null) {
        target[field] = numberOf(id);
      }
    }
    if (Object.keys(target).length) {
      request.target = target;
    }
    const evaluation = {};
    if (numberOf('samples') !== null) {
      evaluation.samples = numberOf('samples');
    }
    if (numberOf('seed') !== null) {
      evaluation.seed = numberOf('seed');
    }
    if (Object.keys(evaluation).length) {
      request.evaluation = evaluation;
    }
    return request;
  }

  /** What the browser can tell before uploading; the API checks everything again. */
  problems() {
    const problems = [];
    const model = byId('model');
    if (!model.files.length) {
      problems.push([model, 'Choose a model file.']);
    }
    for (const id of ['min-cosine', 'min-sqnr', 'max-kl', 'samples', 'seed']) {
      const input = byId(id);
      if (!input.validity.valid) {
        problems.push([input, `${input.labels[0].textContent}: ${input.validationMessage}`]);
      }
    }
    return problems;
  }

  async submit() {
    if (this.busy) {
      return;
    }
    const error = byId('submit-error');
    const status = byId('submit-status');
    error.textContent = '';
    for (const input of this.form.querySelectorAll('[aria-invalid]')) {
      input.removeAttribute('aria-invalid');
    }
    const problems = this.problems();
    if (problems.length) {
      error.textContent = problems.map(([, text]) => text).join(' ');
      for (const [input] of problems) {
        input.setAttribute('aria-invalid', 'true');
      }
      problems[0][0].focus();
      return;
    }
    const model = byId('model').files[0];
    const button = byId('submit-button');
    const bar = byId('upload-progress');
    const text = byId('upload-text');
    this.busy = true;
    button.disabled = true;
    show(byId('upload'), true);
    bar.value = 0;
    status.textContent = `Uploading ${model.name} (${bytes(model.size)})…`;
    let announced = 0;
    try {
      const job = await this.context.api().submit(model, this.request(), idempotencyKey(), (loaded, total) => {
        const share = total ? Math.round((loaded / total) * 100) : 0;
        bar.value = share;
        text.textContent = `${share} % (${bytes(loaded)} of ${bytes(total)})`;
        if (share >= announced + 25) {
          announced = share - (share % 25);
          status.textContent = `Uploading ${model.name}: ${announced} %`;
        }
      });
      status.textContent = '';
      sessionStorage.setItem('modelpress.notice', `Submitted ${job.input.name} as job ${job.id}; it is ${job.status}.`);
      this.form.reset();
      show(byId('upload'), false);
      this.context.navigate('#/jobs');
    } catch (failure) {
      status.textContent = '';
      if (!this.context.failed(failure)) {
        error.textContent = failure instanceof ApiError
          ? `The job was not accepted (${failure.code}): ${failure.describe()}` : String(failure);
        button.focus();
      }
    } finally {
      this.busy = false;
      button.disabled = false;
    }
  }
}

/** A fresh key per submission: a retry of the same upload by the browser cannot make a second job. */
function idempotencyKey() {
  if (window.crypto && window.crypto.randomUUID) {
    return window.crypto.randomUUID();
  }
  const bytes16 = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes16, (b) => b.toString(16).padStart(2, '0')).join('');
}

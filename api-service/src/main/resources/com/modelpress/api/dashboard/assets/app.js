// The ModelPress dashboard: sign in with an API key, follow jobs live, submit a model, read a job's numbers, report
// and files. Data is only ever written into the page with textContent and attributes, never parsed as HTML.

import { Api, ApiError } from './api.js';
import { JobPage } from './job.js';
import { JobList } from './jobs.js';
import { SubmitForm } from './submit.js';
import { byId, show } from './dom.js';

const KEY_STORAGE = 'modelpress.apiKey';
const VIEWS = ['view-sign-in', 'view-jobs', 'view-submit', 'view-job'];
const JOB_ROUTE = /^#\/jobs\/([0-9a-fA-F-]{36})$/;

/** The signed-in key, kept in this tab's session storage; null when signed out. */
class Session {
  constructor() {
    this.api = null;
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) {
      this.api = new Api(key);
    }
  }

  signIn(key) {
    sessionStorage.setItem(KEY_STORAGE, key);
    this.api = new Api(key);
  }

  signOut() {
    sessionStorage.removeItem(KEY_STORAGE);
    this.api = null;
  }
}

class Dashboard {
  constructor() {
    this.session = new Session();
    this.current = null;
    // false until the first view is shown: a page load leaves the focus where the browser puts it
    this.routed = false;
    this.announcer = byId('announcer');
    const context = {
      api: () => this.session.api,
      announce: (text) => this.announce(text),
      failed: (error) => this.failed(error),
      navigate: (hash) => { window.location.hash = hash; },
    };
    this.views = {
      jobs: new JobList(context),
      submit: new SubmitForm(context),
      job: new JobPage(context),
    };
    byId('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.signIn();
    });
    byId('sign-out').addEventListener('click', () => this.signOut(''));
    window.addEventListener('hashchange', () => this.route());
  }

  /** Says something to screen readers without moving focus. */
  announce(text) {
    this.announcer.textContent = '';
    // a change of text after a tick is what makes a live region speak the same words twice
    window.setTimeout(() => { this.announcer.textContent = text; }, 50);
  }

  /** A call the API refused for want of a valid key ends the session; anything else the view shows itself. */
  failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      this.signOut(`Your API key is not accepted any more (${error.code}): ${error.describe()} Sign in again.`);
      return true;
    }
    return false;
  }

  async signIn() {
    const input = byId('api-key');
    const message = byId('sign-in-error');
    const button = byId('sign-in-form').querySelector('button');
    const key = input.value.trim();
    message.textContent = '';
    if (!key) {
      message.textContent = 'Enter an API key.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      await new Api(key).json('/api/v1/jobs?limit=1');
      this.session.signIn(key);
      input.value = '';
      input.removeAttribute('aria-invalid');
      this.announce('Signed in.');
      this.route();
    } catch (error) {
      input.setAttribute('aria-invalid', 'true');
      if (error instanceof ApiError && error.status === 401) {
        message.textContent = `That API key was not accepted (${error.code}). Check it and try again.`;
      } else if (error instanceof ApiError && error.status === 429) {
        message.textContent = `Too many attempts. ${error.describe()}`;
      } else {
        message.textContent = error instanceof ApiError ? error.describe() : String(error);
      }
      input.focus();
    } finally {
      button.disabled = false;
    }
  }

  signOut(reason) {
    this.session.signOut();
    this.route();
    byId('sign-in-error').textContent = reason;
  }

  route() {
    if (this.current) {
      this.current.stop();
      this.current = null;
    }
    const signedIn = this.session.api !== null;
    show(byId('nav'), signedIn);
    const hash = window.location.hash;
    let view;
    let section;
    let argument = null;
    if (!signedIn) {
      section = 'view-sign-in';
    } else if (JOB_ROUTE.test(hash)) {
      section = 'view-job';
      view = this.views.job;
      argument = JOB_ROUTE.exec(hash)[1];
    } else if (hash === '#/submit') {
      section = 'view-submit';
      view = this.views.submit;
    } else {
      section = 'view-jobs';
      view = this.views.jobs;
    }
    for (const id of VIEWS) {
      show(byId(id), id === section);
    }
    for (const link of document.querySelectorAll('#nav a')) {
      if ((section === 'view-jobs' && link.id === 'nav-jobs') || (section === 'view-submit' && link.id === 'nav-submit')) {
        link.setAttribute('aria-current', 'page');
      } else {
        link.removeAttribute('aria-current');
      }
    }
    if (view) {
      this.current = view;
      view.start(argument);
    }
    const heading = byId(section).querySelector('h1');
    document.title = `${heading.textContent} · ModelPress`;
    if (!signedIn) {
      byId('api-key').focus();
    } else if (this.routed) {
      // a new view: its heading takes focus so that keyboard and screen reader users start there
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
    this.routed = true;
  }
}

new Dashboard().route();

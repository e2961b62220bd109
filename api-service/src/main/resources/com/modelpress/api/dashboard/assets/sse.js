// A parser of the text/event-stream format (the WHATWG HTML "server-sent events" parsing rules), fed text as it
// arrives. The dashboard reads the API's event streams with fetch, because EventSource cannot send the API key header.

/** One dispatched event: the "event" field (default "message"), the joined "data" lines and the last "id". */
export class StreamEvent {
  constructor(type, data, lastEventId) {
    this.type = type;
    this.data = data;
    this.lastEventId = lastEventId;
  }
}

/** Not thread-safe (nothing in a page is); one per stream. */
export class EventStreamParser {
  /** @param {(event: StreamEvent) => void} onEvent called for every complete event, in order */
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.started = false;
    this.eventType = '';
    this.data = [];
    this.hasData = false;
    this.lastEventId = '';
    // a chunk that ended with CR: a LF at the start of the next chunk belongs to the same line end
    this.skipLeadingLf = false;
  }

  /** Feeds decoded text; complete lines are processed, a partial last line is kept for the next call. */
  push(text) {
    if (!this.started) {
      this.started = true;
      if (text.startsWith('\uFEFF')) {
        text = text.slice(1);
      }
    }
    if (this.skipLeadingLf && text.startsWith('\n')) {
      text = text.slice(1);
    }
    this.skipLeadingLf = false;
    this.buffer += text;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start);
      const lf = this.buffer.indexOf('\n', start);
      if (cr < 0 && lf < 0) {
        break;
      }
      let end;
      let next;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        end = cr;
        if (cr + 1 === this.buffer.length) {
          next = cr + 1;
          this.skipLeadingLf = true;
        } else {
          next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The stream ended: an event without its closing blank line is discarded, as the format requires. */
  end() {
    this.buffer = '';
    this.eventType = '';
    this.data = [];
    this.hasData = false;
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      return; // a comment, such as the API's keep-alive
    }
    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.startsWith(' ')) {
        value = value.slice(1);
      }
    }
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.lastEventId = value;
        }
        break;
      default:
        break; // "retry" and unknown fields: the dashboard decides its own reconnection delay
    }
  }

  dispatch() {
    if (this.hasData) {
      this.onEvent(new StreamEvent(this.eventType || 'message', this.data.join('\n'), this.lastEventId));
    }
    this.eventType = '';
    this.data = [];
    this.hasData = false;
  }
}

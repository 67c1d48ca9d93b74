// Talking UCWA from a browser: JSON over fetch with a bearer token, links followed by relation
// name, and the event channel (long-poll) that resumes from its last `next` link. Shared by
// the visitor widget and the agent console.

export class ApiError extends Error {
  constructor(status, body, fallback) {
    super((body && (body.message || body.error_description)) || fallback);
    this.status = status;  // 0: the network failed (offline, dropped, timed out)
    this.code = body && (body.code || body.error);
  }
  get retriable() { return this.status === 0 || this.status >= 500 || this.status === 408 || this.status === 429; }
}

export const link = (resource, rel) => resource && resource._links && resource._links[rel] && resource._links[rel].href;
export const linkTitle = (resource, rel) => resource && resource._links && resource._links[rel] && resource._links[rel].title;
// An event's resource: the one entry of its _embedded, if any.
export const embedded = (event) => (event._embedded ? Object.values(event._embedded)[0] : null);

export class Api {
  constructor(base, token) {
    this.base = base;    // what host-relative hrefs resolve against
    this.token = token;  // "psat=..." or a user access token
  }

  async call(method, href, body, type = "application/json", { signal, timeoutMs = 20000 } = {}) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = "Bearer " + this.token;
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = type;
      payload = type === "application/json" ? JSON.stringify(body) : body;
    }
    // A request that hangs (a dead connection after sleep) counts as a network failure.
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    const onAbort = () => ctrl.abort();
    if (signal) signal.addEventListener("abort", onAbort);
    let r;
    try {
      r = await fetch(new URL(href, this.base), { method, headers, body: payload, signal: ctrl.signal,
                                                 cache: "no-store", credentials: "omit" });
    } catch (err) {
      throw new ApiError(0, null, signal && signal.aborted ? "cancelled" : "network unreachable");
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
    }
    let text = "";
    try { text = await r.text(); } catch { throw new ApiError(0, null, "connection dropped"); }
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (!r.ok) throw new ApiError(r.status, json, `${method} answered ${r.status}`);
    return json;
  }
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  if (signal) signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
});

const ackOf = (href) => Number(new URL(href, "http://x").searchParams.get("ack") || "1");

// The long-poll loop. `onEvents(list, next)` gets each batch's events in order (each as
// {sender, event, position}) with the `next` href to store; a batch is delivered at most once
// per position, so a re-read after a lost answer cannot duplicate. Network failures are
// retried with backoff (from the same position: nothing is lost); a reconnect is tried at
// once when the browser comes back online, the tab becomes visible, or the clock jumps (the
// machine slept). A 4xx other than 408/429 ends the channel: `onState("failed", error)`.
export class EventChannel {
  constructor(api, next, onEvents, onState = () => {}, timeout = 30) {
    this.api = api;
    this.next = next;
    this.ack = ackOf(next);
    this.onEvents = onEvents;
    this.onState = onState;
    this.timeout = timeout;
    this.running = false;
    this.kick = this.kick.bind(this);
  }

  start() {
    if (this.running) return;
    this.running = true;
    window.addEventListener("online", this.kick);
    document.addEventListener("visibilitychange", this.kick);
    let last = Date.now();
    this.watch = setInterval(() => {  // timers stop while asleep: a big gap means we slept
      const now = Date.now();
      if (now - last > 15000) this.kick();
      last = now;
    }, 5000);
    this.loop();
  }

  stop() {
    this.running = false;
    window.removeEventListener("online", this.kick);
    document.removeEventListener("visibilitychange", this.kick);
    clearInterval(this.watch);
    if (this.ctrl) this.ctrl.abort();
  }

  // Drop the current wait (poll or backoff) and poll again now.
  kick() {
    if (document.visibilityState === "hidden") return;
    if (this.ctrl) this.ctrl.abort();
  }

  async loop() {
    let failures = 0;
    while (this.running) {
      this.ctrl = new AbortController();
      try {
        const sep = this.next.includes("?") ? "&" : "?";
        const batch = await this.api.call("GET", this.next + sep + "timeout=" + this.timeout, undefined, undefined,
                                          { signal: this.ctrl.signal, timeoutMs: (this.timeout + 15) * 1000 });
        if (!this.running) return;
        if (failures) this.onState("connected");
        failures = 0;
        let position = ackOf(batch._links.self.href);
        const fresh = [];
        for (const sender of batch.sender || [])
          for (const event of sender.events || []) {
            if (position >= this.ack) fresh.push({ sender, event, position });
            position++;
          }
        this.ack = Math.max(this.ack, position);
        this.next = batch._links.next.href;
        this.onEvents(fresh, this.next);
      } catch (err) {
        if (!this.running) return;
        if (err.status && !err.retriable) {
          this.running = false;
          this.onState("failed", err);
          return;
        }
        if (this.ctrl.signal.aborted) continue;  // kicked: retry at once
        failures++;
        this.onState("reconnecting", err);
        const wait = Math.min(30000, 500 * 2 ** Math.min(failures, 6)) * (0.75 + Math.random() / 2);
        this.ctrl = new AbortController();
        await sleep(wait, this.ctrl.signal);
      }
    }
  }
}

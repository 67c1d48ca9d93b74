// The visitor chat widget. A company page embeds it with one tag:
//   <script type="module" src="https://<helpdesk>/visitor/widget.js"></script>
// It adds a floating "Chat with us" button; the panel lives in a shadow root so the page's
// styles and the widget's do not mix. It speaks only the anonymous UCWA protocol: a token from
// the helpdesk, then discover, application, startMessaging, the event channel, sendMessage,
// setIsTyping and end, following links by relation name. The chat (token, links, event
// position and what is on screen) is kept in sessionStorage, so a reload within the token's
// lifetime resumes the same chat from the same event position.
import { Api, EventChannel, embedded, link, linkTitle } from "../shared/ucwa.js";
import { clock, messageContent, renderContent } from "../shared/render.js";

const HELPDESK = new URL("..", import.meta.url);  // where this script came from
const KEY = "carebridge-chat@" + HELPDESK.origin;
const TYPING_EVERY_MS = 3000;

const TEMPLATE = `
<link rel="stylesheet">
<button class="launcher" type="button" aria-expanded="false" aria-controls="cb-panel">Chat with us</button>
<section id="cb-panel" class="panel" role="dialog" aria-label="Chat with us" hidden>
  <header><h2>Chat with us</h2>
    <button type="button" class="close" aria-label="Minimise chat">&#x2212;</button></header>
  <p class="status" role="status" aria-live="polite"></p>
  <form class="prechat">
    <label>Your name <input name="name" maxlength="64" autocomplete="name" required></label>
    <label>Topic <select name="topic"><option value="">Anything</option></select></label>
    <button type="submit">Start chat</button>
  </form>
  <ol class="log" role="log" aria-live="polite" aria-label="Messages" tabindex="0" hidden></ol>
  <p class="typing" aria-live="polite"></p>
  <form class="composer" hidden>
    <label class="sr" for="cb-text">Message</label>
    <textarea id="cb-text" name="text" rows="2" maxlength="4000" required placeholder="Type a message"></textarea>
    <div class="actions"><button type="submit">Send</button>
      <button type="button" class="end">End chat</button></div>
  </form>
  <div class="ended" hidden><p class="ended-note"></p><button type="button" class="again">Start a new chat</button></div>
</section>`;

// A participant's href ends with its address: the invited endpoint is the service itself.
const isService = (href, endpoint) => !!endpoint && (href || "").endsWith("/" + endpoint.replace(/^sip:/, ""));

class Widget {
  constructor() {
    const host = document.createElement("div");
    host.id = "carebridge-chat";
    const root = host.attachShadow({ mode: "open" });
    root.innerHTML = TEMPLATE;  // our own constant markup, no untrusted text
    root.querySelector("link").href = new URL("widget.css", import.meta.url).href;
    document.body.append(host);
    this.root = root;
    this.$ = (sel) => root.querySelector(sel);
    this.s = this.load();
    this.lastTyping = 0;
    this.wire();
    this.loadTopics();
    if (this.s && this.s.token) {
      this.renderAll();
      if (this.s.open) this.open(false);
      if (!this.s.ended) this.resume();
    }
  }

  // ---- state --------------------------------------------------------------------------
  load() {
    try {
      const s = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (s && Date.parse(s.expiryTime) > Date.now() + 5000) return s;
    } catch { /* unreadable: start afresh */ }
    sessionStorage.removeItem(KEY);
    return null;
  }
  save() { if (this.s) sessionStorage.setItem(KEY, JSON.stringify(this.s)); }

  // ---- the DOM --------------------------------------------------------------------------
  wire() {
    this.$(".launcher").addEventListener("click", () => (this.$(".panel").hidden ? this.open(true) : this.close()));
    this.$(".close").addEventListener("click", () => this.close());
    this.$(".panel").addEventListener("keydown", (e) => { if (e.key === "Escape") this.close(); });
    this.$(".prechat").addEventListener("submit", (e) => { e.preventDefault(); this.start(); });
    this.$(".composer").addEventListener("submit", (e) => { e.preventDefault(); this.sendFromBox(); });
    const box = this.$("#cb-text");
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); this.sendFromBox(); }
    });
    box.addEventListener("input", () => this.typing());
    this.$(".end").addEventListener("click", () => this.end());
    this.$(".again").addEventListener("click", () => this.reset());
  }

  open(focus) {
    this.$(".panel").hidden = false;
    this.$(".launcher").setAttribute("aria-expanded", "true");
    if (this.s) { this.s.open = true; this.save(); }
    if (!focus) return;
    const target = !this.s ? this.$("[name=name]") : !this.$(".composer").hidden ? this.$("#cb-text") : this.$(".again");
    if (target) target.focus();
  }
  close() {
    this.$(".panel").hidden = true;
    this.$(".launcher").setAttribute("aria-expanded", "false");
    if (this.s) { this.s.open = false; this.save(); }
    this.$(".launcher").focus();
  }
  status(text) {
    this.$(".status").textContent = text;
    if (this.s) { this.s.status = text; this.save(); }
  }

  async loadTopics() {
    try {
      const r = await fetch(new URL("web-config", HELPDESK), { credentials: "omit" });
      const config = await r.json();
      const select = this.$("[name=topic]");
      for (const q of config.queues || []) {
        const o = document.createElement("option");
        o.value = q.name;
        o.textContent = q.displayName || q.name;
        select.append(o);
      }
    } catch { /* the topic stays "Anything" */ }
  }

  // Shows the chat view for the current state.
  renderAll() {
    const s = this.s;
    this.$(".prechat").hidden = !!s;
    this.$(".log").hidden = !s;
    this.$(".log").textContent = "";
    if (!s) return;
    for (const item of s.items) this.renderItem(item);
    this.$(".status").textContent = s.status || "";
    this.showEnded();
    this.$(".composer").hidden = !s.messaging || !!s.ended;
  }

  renderItem(item) {
    const li = document.createElement("li");
    li.className = item.kind;
    li.dataset.key = item.key;
    if (item.kind === "notice") {
      li.textContent = item.text;
    } else {
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = `${item.from} · ${clock(item.time)}`;
      const body = document.createElement("div");
      body.className = "body";
      body.append(renderContent(item.content));
      li.append(meta, body);
      if (item.kind === "mine" && item.state !== "sent") {
        const note = document.createElement("span");
        note.className = "delivery";
        if (item.state === "failed") {
          note.textContent = "Not delivered. ";
          const retry = document.createElement("button");
          retry.type = "button";
          retry.className = "retry";
          retry.textContent = "Retry";
          retry.setAttribute("aria-label", "Retry sending this message");
          retry.addEventListener("click", () => this.deliver(item));
          note.append(retry);
        } else {
          note.textContent = "Sending…";
        }
        li.append(note);
      }
    }
    const old = this.$(".log").querySelector(`li[data-key="${CSS.escape(item.key)}"]`);
    if (old) old.replaceWith(li);
    else this.$(".log").append(li);
    li.scrollIntoView({ block: "end" });
  }

  add(item) {
    this.s.items.push(item);
    this.save();
    this.renderItem(item);
  }
  notice(text) { this.add({ kind: "notice", key: "n" + this.s.items.length + "-" + Date.now(), text }); }

  showEnded() {
    const ended = this.s && this.s.ended;
    this.$(".ended").hidden = !ended;
    if (ended) {
      this.$(".ended-note").textContent = this.s.ended;
      this.$(".composer").hidden = true;
      this.$(".typing").textContent = "";
    }
  }

  // ---- the protocol ---------------------------------------------------------------------
  async start() {
    const form = this.$(".prechat");
    const nameBox = form.querySelector("[name=name]"), topicBox = form.querySelector("[name=topic]");
    const name = nameBox.value.trim();
    if (!name) return nameBox.focus();
    const queue = topicBox.value;
    form.querySelector("button").disabled = true;
    this.status("Connecting…");
    try {
      const r = await fetch(new URL("token", HELPDESK), { method: "POST", credentials: "omit" });
      const t = await r.json();
      if (!r.ok || !t.token) throw new Error(t.message || "no token");
      this.s = { token: t.token, discoverUrl: t.discoverUrl, expiryTime: t.expiryTime, endpoint: t.endpoint,
                 name, queue, items: [], open: true, status: "Connecting…", agent: "" };
      this.save();
      this.renderAll();
      const app = await this.application();
      const topic = topicBox.selectedOptions[0].textContent;
      await this.api.call("POST", link(app._embedded.communication, "startMessaging"), {
        to: t.endpoint, subject: queue ? topic : "Chat", operationId: "web-" + crypto.randomUUID(),
        customContent: queue ? "queue=" + queue : undefined });
      this.s.invited = true;
      this.save();
      this.listen(this.s.next);
    } catch (err) {
      this.s = null;
      sessionStorage.removeItem(KEY);
      this.renderAll();
      this.status("Sorry, the chat could not start (" + err.message + "). Please try again.");
    } finally {
      form.querySelector("button").disabled = false;
    }
  }

  // Discover and the anonymous application (the same token gets the same application back).
  async application() {
    const s = this.s;
    const platform = new URL(s.discoverUrl).origin;
    this.api = new Api(platform, s.token);
    const discover = await new Api(platform, null).call("GET", s.discoverUrl);
    const app = await this.api.call("POST", link(discover, "anonApplications"), { anonymousDisplayName: s.name });
    if (!s.next) s.next = link(app, "events");
    this.save();
    return app;
  }

  async resume() {
    this.status(this.s.status || "Reconnecting…");
    for (let attempt = 0; ; attempt++) {
      try {
        await this.application();
        break;
      } catch (err) {
        if (err.status && !err.retriable) return this.finish("The chat is no longer available.");
        this.status("Reconnecting…");
        await new Promise((r) => setTimeout(r, Math.min(15000, 1000 * 2 ** attempt)));
      }
    }
    if (!this.s.invited) return this.finish("The chat did not start. You can start a new one.");
    for (const item of this.s.items) if (item.kind === "mine" && item.state === "sending") item.state = "failed";
    this.renderAll();
    this.listen(this.s.next);
  }

  listen(next) {
    this.channel = new EventChannel(this.api, next, (events, nextHref) => {
      for (const { event, position } of events) this.onEvent(event, position);
      this.s.next = nextHref;
      this.save();
    }, (state, err) => {
      if (state === "reconnecting") this.$(".status").textContent = "Connection lost — reconnecting…";
      else if (state === "connected") this.$(".status").textContent = this.s.status || "";
      else if (state === "failed") this.finish(err.status === 401 ? "The chat session has expired." : "The chat has ended.");
    });
    this.channel.start();
  }

  onEvent(e, position) {
    const s = this.s;
    const rel = e.link.rel, res = embedded(e);
    const inTyping = e.in && e.in.rel === "typingParticipants";
    if (rel === "messagingInvitation" && e.type === "completed") {
      if (e.status === "Failure") return this.finish("Sorry, the chat could not start: " + ((e.reason || {}).message || "declined") + ".");
      this.status("Waiting for an agent…");
    } else if (rel === "conversation" && e.type === "added") {
      s.conversation = e.link.href;
    } else if (rel === "conversation" && e.type === "deleted") {
      if (!s.endedByMe) this.finish("The chat was ended. Thank you for contacting us.");
    } else if (rel === "messaging" && e.type === "updated" && res) {
      if (res.state === "Connected") {
        s.messaging = res;
        this.$(".composer").hidden = !!s.ended;
      }
    } else if (rel === "participant" && inTyping) {
      this.$(".typing").textContent = e.type === "added" ? (e.link.title || "Someone") + " is typing…" : "";
    } else if (rel === "participant" && e.type === "added" && res && isService(e.link.href, s.endpoint)) {
      s.service = res.name;  // the helpdesk itself (welcome, queue places): not an agent joining
    } else if (rel === "participant" && e.type === "added" && res && res.name && res.name !== s.name) {
      s.agent = res.name;
      this.notice(res.name + " joined the chat");
      this.status("Chatting with " + res.name);
    } else if (rel === "participant" && e.type === "deleted" && e.link.title && e.link.title !== s.name &&
               !isService(e.link.href, s.endpoint)) {
      this.notice(e.link.title + " left the chat");
      if (s.agent === e.link.title) { s.agent = ""; this.status("Waiting for an agent…"); }
    } else if (rel === "message" && e.type === "completed" && res && res.direction === "Incoming") {
      const from = linkTitle(res, "participant") || "Agent";
      this.$(".typing").textContent = "";
      const content = messageContent(res);
      this.add({ kind: "theirs", key: "p" + position, from, time: res.timeStamp, content });
      // The helpdesk tells waiting visitors their place; show it as the status too.
      const place = !s.agent && content.text && content.text.match(/(?:number|#|position)\s*(\d+)[^.]*queue/i);
      if (place) this.status(`Waiting for an agent — you are #${place[1]} in the queue`);
    }
    this.save();
  }

  sendFromBox() {
    const box = this.$("#cb-text");
    const text = box.value.trim();
    if (!text || !this.s || !this.s.messaging) return;
    box.value = "";
    const item = { kind: "mine", key: "m" + crypto.randomUUID(), from: "You", time: new Date().toISOString(),
                   content: { text }, state: "sending", op: crypto.randomUUID() };
    this.add(item);
    this.deliver(item);
  }

  async deliver(item) {
    item.state = "sending";
    this.renderItem(item);
    try {
      const href = link(this.s.messaging, "sendMessage");
      const sep = href.includes("?") ? "&" : "?";
      await this.api.call("POST", href + sep + "operationId=" + encodeURIComponent(item.op), item.content.text,
                          "text/plain; charset=utf-8");
      item.state = "sent";
      this.lastTyping = 0;
    } catch {
      item.state = "failed";
    }
    this.save();
    this.renderItem(item);
  }

  typing() {
    const href = this.s && this.s.messaging && link(this.s.messaging, "setIsTyping");
    if (!href || Date.now() - this.lastTyping < TYPING_EVERY_MS) return;
    this.lastTyping = Date.now();
    this.api.call("POST", href).catch(() => {});  // best effort: a lost "typing" is harmless
  }

  async end() {
    const s = this.s;
    s.endedByMe = true;
    this.save();
    try {
      const stop = s.messaging && link(s.messaging, "stopMessaging");
      if (stop) await this.api.call("POST", stop);
      else if (s.conversation) await this.api.call("DELETE", s.conversation);
    } catch (err) {
      if (err.retriable) {
        s.endedByMe = false;
        this.save();
        return this.status("Could not end the chat (" + err.message + "). Please try again.");
      }
    }
    this.finish("You ended the chat. Thank you for contacting us.");
  }

  finish(note) {
    if (!this.s || this.s.ended) return;
    this.s.ended = note;
    this.s.messaging = null;
    if (this.channel) this.channel.stop();
    this.status("Chat ended");
    this.notice(note);
    this.showEnded();
    this.save();
  }

  reset() {
    if (this.channel) this.channel.stop();
    this.s = null;
    sessionStorage.removeItem(KEY);
    this.renderAll();
    this.$(".status").textContent = "";
    this.$(".ended").hidden = true;
    this.$(".composer").hidden = true;
    this.$("[name=name]").focus();
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => new Widget());
else new Widget();

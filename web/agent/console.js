// The agent console: UCWA for users from the browser. Sign-in follows the platform's
// autodiscover root and its 401 challenge to the token endpoint (password grant); then the
// agent's application, availability (makeMeAvailable / presence), the event channel, meeting
// invitations (accept, then join messaging), and several chats as tabs. The helpdesk that
// serves this page adds what the platform does not tell an agent: who the visitor is, the
// topic, since when they wait, and the transcript so far (/api/chat).
import { Api, ApiError, EventChannel, embedded, link, linkTitle } from "../shared/ucwa.js";
import { clock, messageContent, renderContent } from "../shared/render.js";

const KEY = "carebridge-console";
const $ = (sel) => document.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

let session = null;  // {token, expires, base, app, next, name, availability, endpointId}
let api = null, channel = null;
const invitations = new Map();  // invitation href -> {inv, info, li}
const chats = new Map();        // conversation href -> chat
let active = null;

function status(text) { $("#status").textContent = text; }
function save() {
  if (!session) return sessionStorage.removeItem(KEY);
  const saved = [...chats.values()].map(({ dom, typingTimer, ...rest }) => rest);
  sessionStorage.setItem(KEY, JSON.stringify({ ...session, chats: saved }));
}

// ---- sign-in ------------------------------------------------------------------------------
async function webConfig() {
  const r = await fetch("/web-config", { cache: "no-store" });
  const c = await r.json();
  if (!c.autodiscoverUrl) throw new Error("the helpdesk is not connected to the platform yet");
  return c;
}

async function signIn(username, password) {
  const config = await webConfig();
  const anon = new Api(config.autodiscoverUrl, null);
  const root = await anon.call("GET", config.autodiscoverUrl);
  const base = new URL(config.autodiscoverUrl).origin;
  const userHref = new URL(link(root, "user"), config.autodiscoverUrl).href;
  // The 401 names the token endpoint (UCWA sign-in).
  let tokenUrl = new URL("/oauth2/token", base).href;
  const probe = await fetch(userHref, { cache: "no-store" });
  const challenge = probe.headers.get("WWW-Authenticate") || "";
  const m = challenge.match(/MsRtcOAuth href="([^"]+)"/);
  if (m) tokenUrl = new URL(m[1], base).href;
  const r = await fetch(tokenUrl, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", username, password }) });
  const t = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(t.error === "invalid_grant" ? "Wrong username or password." : (t.error_description || "Sign-in failed."));
  api = new Api(base, t.access_token);
  const user = await api.call("GET", userHref);
  // One endpoint id per browser: signing in again gets the same application back.
  let endpointId = localStorage.getItem(KEY + "-endpoint");
  if (!endpointId) localStorage.setItem(KEY + "-endpoint", endpointId = "console-" + crypto.randomUUID());
  const app = await api.call("POST", link(user, "applications"),
                             { UserAgent: "carebridge-console/1", EndpointId: endpointId, Culture: navigator.language || "en-US" });
  session = { token: t.access_token, expires: Date.now() + t.expires_in * 1000, base, app,
              next: link(app, "events"), name: app._embedded.me.name || username, availability: "Online" };
  save();
  await setAvailability("Online");
  startDesk();
}

async function setAvailability(value) {
  const me = session.app._embedded.me;
  if (value === "Online") await api.call("POST", link(me, "makeMeAvailable"), { SupportedModalities: ["Messaging"] });
  else await api.call("POST", link(me, "presence"), { availability: value });
  session.availability = value;
  $("#availability").value = value;
  save();
  status(value === "Online" ? "You are available for chats." : "You are away: no new chats are offered to you.");
}

function startDesk() {
  $("#signin").hidden = true;
  $("#desk").hidden = false;
  $(".me").hidden = false;
  $(".who").textContent = "Signed in as " + session.name;
  $("#availability").value = session.availability;
  channel = new EventChannel(api, session.next, (events, next) => {
    for (const { sender, event, position } of events) onEvent(sender, event, position);
    session.next = next;
    save();
  }, (state, err) => {
    if (state === "reconnecting") status("Connection lost — reconnecting…");
    else if (state === "connected") status("Connected.");
    else if (state === "failed") { status("Your session ended (" + err.message + "). Please sign in again."); signOut(false); }
  });
  channel.start();
}

async function signOut(leave = true) {
  if (channel) channel.stop();
  if (leave && session) {
    try { await api.call("POST", link(session.app._embedded.me, "presence"), { availability: "Offline" }); } catch { /* gone anyway */ }
  }
  session = null;
  save();
  location.reload();
}

// ---- events -------------------------------------------------------------------------------
function chatOf(sender, e) {
  if (sender.rel === "conversation" && chats.has(sender.href)) return chats.get(sender.href);
  for (const [href, c] of chats) if ((e.link.href || "").startsWith(href + "/") || e.link.href === href) return c;
  return null;
}

function onEvent(sender, e, position) {
  const rel = e.link.rel, res = embedded(e);
  if (rel === "onlineMeetingInvitation") {
    if (e.type === "started" && res) return offer(res);
    if (e.type === "completed" || e.type === "deleted") return withdraw(e.link.href);
    return;
  }
  if (rel === "conversation" && e.type === "deleted") {
    const c = chats.get(e.link.href);
    if (c) endChat(c, "The chat has ended.");
    return;
  }
  const c = chatOf(sender, e);
  if (!c) return;
  if (rel === "messaging" && e.type === "updated" && res) {
    c.messaging = res;
    if (res.state === "Connected") {
      c.dom.composer.hidden = !!c.ended;
    } else if (link(res, "addMessaging") && !c.joining && !c.ended) {
      c.joining = true;  // join the meeting's messaging (the agent's half of step 15)
      api.call("POST", link(res, "addMessaging")).catch((err) => note(c, "Could not join the messaging: " + err.message));
    }
  } else if (rel === "participant" && e.in && e.in.rel === "typingParticipants") {
    c.dom.typing.textContent = e.type === "added" ? (e.link.title || "The visitor") + " is typing…" : "";
  } else if (rel === "participant" && e.type === "added" && res && res.name && res.name !== session.name) {
    note(c, res.name + " is in the chat");
  } else if (rel === "participant" && e.type === "deleted" && e.link.title && e.link.title !== session.name) {
    note(c, e.link.title + " left the chat");
  } else if (rel === "message" && e.type === "completed" && res) {
    const number = Number((link(res, "self") || "").split("/").pop());
    if (number && c.numbers.includes(number)) return;  // already shown from the transcript
    if (number) c.numbers.push(number);
    if (res.direction === "Outgoing") return;  // ours: shown when sent
    c.dom.typing.textContent = "";
    add(c, { kind: "theirs", key: "p" + position, from: linkTitle(res, "participant") || "Visitor",
             time: res.timeStamp, content: messageContent(res) });
  }
}

// An invitation to a meeting: show who is waiting, with Accept / Decline.
async function offer(inv) {
  const href = link(inv, "self");
  if (invitations.has(href) || inv.state && inv.state !== "Connecting" && inv.state !== "Incoming" && inv.state !== "Pending") return;
  const entry = { inv, arrived: Date.now(), info: null };
  const name = el("span", { className: "visitor", textContent: "A visitor" });
  const detail = el("span", { className: "detail", textContent: inv.subject || "" });
  const waited = el("span", { className: "detail waited" });
  const accept = el("button", { type: "button", textContent: "Accept" });
  const decline = el("button", { type: "button", className: "secondary", textContent: "Decline" });
  accept.addEventListener("click", () => take(entry, accept));
  decline.addEventListener("click", () => { api.call("POST", link(inv, "decline")).catch(() => {}); withdraw(href); });
  entry.li = el("li", {}, name, el("br"), detail, el("br"), waited, el("div", { className: "buttons" }, accept, decline));
  entry.tick = setInterval(() => showWaited(entry, waited), 1000);
  invitations.set(href, entry);
  $("#invitations").append(entry.li);
  $(".incoming .empty").hidden = true;
  status("New chat waiting.");
  entry.info = await chatInfo(inv.onlineMeetingUri);
  if (entry.info) {
    name.textContent = entry.info.visitor;
    detail.textContent = "Topic: " + entry.info.queueDisplay;
    accept.setAttribute("aria-label", `Accept chat with ${entry.info.visitor} about ${entry.info.queueDisplay}`);
  }
  showWaited(entry, waited);
}

function showWaited(entry, node) {
  const since = entry.info && entry.info.created ? Date.parse(entry.info.created) : entry.arrived;
  const s = Math.max(0, Math.round((Date.now() - since) / 1000));
  node.textContent = "Waiting " + (s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s");
}

async function chatInfo(meetingUri) {
  if (!meetingUri) return null;
  try {
    const r = await fetch("/api/chat?meeting=" + encodeURIComponent(meetingUri),
                          { cache: "no-store", headers: { Authorization: "Bearer " + session.token } });
    return r.ok ? await r.json() : null;
  } catch { return null; }
}

function withdraw(href) {
  const entry = invitations.get(href);
  if (!entry) return;
  clearInterval(entry.tick);
  entry.li.remove();
  invitations.delete(href);
  $(".incoming .empty").hidden = invitations.size > 0;
}

async function take(entry, button) {
  button.disabled = true;
  const inv = entry.inv;
  const conversation = link(inv, "conversation");
  const c = openChat(conversation, entry.info, inv.onlineMeetingUri);
  try {
    await api.call("POST", link(inv, "accept"));
  } catch (err) {
    button.disabled = false;
    return status("Could not accept: " + err.message);
  }
  withdraw(link(inv, "self"));
  select(c);
  status("You accepted the chat with " + c.visitor + ".");
  // The transcript so far (the welcome, what the visitor wrote while waiting).
  const info = await chatInfo(inv.onlineMeetingUri);
  for (const m of (info && info.messages) || []) {
    if (c.numbers.includes(m.number)) continue;
    c.numbers.push(m.number);
    const content = m.contentType && m.contentType.startsWith("text/html") ? { html: m.text } : { text: m.text };
    add(c, { kind: "theirs history", key: "t" + m.number, from: (m.from && m.from.name) || "", time: m.timeStamp, content });
  }
  // The messaging may already offer addMessaging (its event can come before the accept's answer).
  try {
    const conv = await api.call("GET", conversation);
    const messaging = await api.call("GET", link(conv, "messaging"));
    if (link(messaging, "addMessaging") && !c.joining) {
      c.joining = true;
      await api.call("POST", link(messaging, "addMessaging"));
    }
  } catch { /* the event path joins instead */ }
}

// ---- chats as tabs --------------------------------------------------------------------------
function openChat(conversation, info, meetingUri) {
  let c = chats.get(conversation);
  if (c) return c;
  c = { conversation, meetingUri, visitor: (info && info.visitor) || "Visitor", topic: (info && info.queueDisplay) || "",
        items: [], numbers: [], unread: 0, messaging: null, ended: "", joining: false };
  chats.set(conversation, c);
  build(c);
  save();
  return c;
}

function build(c) {
  const n = chats.size;
  const id = "chat-" + n + "-" + Math.random().toString(36).slice(2, 7);
  const badge = el("span", { className: "unread", hidden: true });
  const tab = el("button", { type: "button", id: id + "-tab", textContent: c.visitor }, badge);
  tab.setAttribute("role", "tab");
  tab.setAttribute("aria-controls", id);
  tab.setAttribute("aria-selected", "false");
  tab.tabIndex = -1;
  tab.addEventListener("click", () => select(c));
  tab.addEventListener("keydown", (e) => {
    const list = [...chats.values()];
    const i = list.indexOf(c);
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const next = list[(i + (e.key === "ArrowRight" ? 1 : list.length - 1)) % list.length];
      select(next);
      next.dom.tab.focus();
    }
  });
  const log = el("ol", { className: "log", tabIndex: 0 });
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Messages with " + c.visitor);
  const typing = el("p", { className: "typing" });
  typing.setAttribute("aria-live", "polite");
  const text = el("textarea", { rows: 2, maxLength: 4000, id: id + "-text", placeholder: "Type a reply" });
  const composer = el("form", { className: "composer", hidden: true },
                      el("label", { className: "sr", htmlFor: id + "-text", textContent: "Reply to " + c.visitor }), text,
                      el("button", { type: "submit", textContent: "Send" }));
  composer.addEventListener("submit", (e) => { e.preventDefault(); send(c); });
  text.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(c); } });
  text.addEventListener("input", () => typingNow(c));
  const end = el("button", { type: "button", className: "secondary", textContent: "End chat" });
  end.addEventListener("click", () => endForAll(c));
  const leave = el("button", { type: "button", className: "secondary", textContent: "Leave chat" });
  leave.title = "Hand the visitor back to the queue";
  leave.addEventListener("click", () => leaveChat(c));
  // Transfer: the helpdesk offers the chat to another queue's agents; this agent then leaves.
  const target = el("select", { id: id + "-queue" });
  const transfer = el("button", { type: "button", className: "secondary", textContent: "Transfer" });
  const transferBox = el("span", { className: "transfer" },
                         el("label", { className: "sr", htmlFor: id + "-queue", textContent: "Transfer to queue" }),
                         target, transfer);
  webConfig().then((cfg) => {
    for (const q of cfg.queues || []) target.append(el("option", { value: q.name, textContent: q.displayName }));
  }).catch(() => { transferBox.hidden = true; });
  transfer.addEventListener("click", () => transferChat(c, target.value, target.selectedOptions[0]?.textContent || target.value));
  const close = el("button", { type: "button", className: "secondary", textContent: "Close tab", hidden: true });
  close.addEventListener("click", () => closeTab(c));
  const info = el("p", { className: "info", textContent: c.topic ? "Topic: " + c.topic : "" });
  const panel = el("section", { className: "panel", id, hidden: true }, info, log, typing, composer,
                   el("div", { className: "chat-actions" }, end, leave, transferBox, close));
  panel.setAttribute("role", "tabpanel");
  panel.setAttribute("aria-labelledby", id + "-tab");
  c.dom = { tab, badge, panel, log, typing, composer, text, end, leave, transfer: transferBox, close };
  $("#tabs").append(tab);
  $("#panels").append(panel);
  $("#panels > .empty").hidden = true;
  for (const item of c.items) renderItem(c, item);
  if (c.ended) showEnded(c);
  else c.dom.composer.hidden = !(c.messaging && c.messaging.state === "Connected");
}

function select(c) {
  active = c;
  for (const other of chats.values()) {
    const on = other === c;
    other.dom.tab.setAttribute("aria-selected", String(on));
    other.dom.tab.tabIndex = on ? 0 : -1;
    other.dom.panel.hidden = !on;
  }
  c.unread = 0;
  c.dom.badge.hidden = true;
  if (!c.dom.composer.hidden) c.dom.text.focus();
}

function renderItem(c, item) {
  let li;
  if (item.kind === "notice") {
    li = el("li", { className: "notice", textContent: item.text });
  } else {
    const body = el("div", { className: "body" });
    body.append(renderContent(item.content));
    li = el("li", { className: item.kind }, el("span", { className: "meta", textContent: `${item.from} · ${clock(item.time)}` }), body);
    if (item.state === "failed") {
      const retry = el("button", { type: "button", className: "secondary", textContent: "Retry" });
      retry.addEventListener("click", () => deliver(c, item));
      li.append(el("span", { className: "delivery" }, "Not delivered. ", retry));
    } else if (item.state === "sending") {
      li.append(el("span", { className: "delivery", textContent: " Sending…" }));
    }
  }
  li.dataset.key = item.key;
  const old = [...c.dom.log.children].find((x) => x.dataset.key === item.key);
  if (old) old.replaceWith(li);
  else c.dom.log.append(li);
  c.dom.log.scrollTop = c.dom.log.scrollHeight;
}

function add(c, item) {
  c.items.push(item);
  renderItem(c, item);
  if (c !== active && item.kind !== "mine") {
    c.unread++;
    c.dom.badge.textContent = String(c.unread);
    c.dom.badge.hidden = false;
    c.dom.badge.setAttribute("aria-label", c.unread + " unread");
  }
  save();
}
function note(c, text) { add(c, { kind: "notice", key: "n" + c.items.length + "-" + Date.now(), text }); }

function send(c) {
  const text = c.dom.text.value.trim();
  if (!text || !c.messaging) return;
  c.dom.text.value = "";
  const item = { kind: "mine", key: "m" + crypto.randomUUID(), from: "You", time: new Date().toISOString(),
                 content: { text }, state: "sending", op: crypto.randomUUID() };
  c.items.push(item);
  renderItem(c, item);
  deliver(c, item);
}

async function deliver(c, item) {
  item.state = "sending";
  renderItem(c, item);
  try {
    const href = link(c.messaging, "sendMessage");
    await api.call("POST", href + (href.includes("?") ? "&" : "?") + "operationId=" + encodeURIComponent(item.op),
                   item.content.text, "text/plain; charset=utf-8");
    item.state = "sent";
    c.lastTyping = 0;
  } catch {
    item.state = "failed";
  }
  renderItem(c, item);
  save();
}

function typingNow(c) {
  const href = c.messaging && link(c.messaging, "setIsTyping");
  if (!href || Date.now() - (c.lastTyping || 0) < 3000) return;
  c.lastTyping = Date.now();
  api.call("POST", href).catch(() => {});
}

// Ends the chat for everyone: the helpdesk terminates the meeting (the visitor is told).
async function endForAll(c) {
  const r = await fetch("/api/chat/end?meeting=" + encodeURIComponent(c.meetingUri || ""),
                        { method: "POST", headers: { Authorization: "Bearer " + session.token } }).catch(() => null);
  if (!r || (!r.ok && r.status !== 404)) return status("Could not end the chat; please try again.");
  endChat(c, "You ended the chat.");
}

async function transferChat(c, queue, name) {
  if (!queue) return;
  const r = await fetch("/api/chat/transfer?meeting=" + encodeURIComponent(c.meetingUri || "") +
                        "&queue=" + encodeURIComponent(queue),
                        { method: "POST", headers: { Authorization: "Bearer " + session.token } }).catch(() => null);
  if (!r || !r.ok) return status("Could not transfer the chat; please try again.");
  try { await api.call("DELETE", c.conversation); } catch { /* the helpdesk released us anyway */ }
  endChat(c, "You transferred the chat to " + name + ".");
}

async function leaveChat(c) {
  try { await api.call("DELETE", c.conversation); } catch (err) { if (!(err instanceof ApiError) || err.retriable) return status("Could not leave: " + err.message); }
  endChat(c, "You left the chat.");
}

function endChat(c, why) {
  if (c.ended) return;
  c.ended = why;
  note(c, why);
  showEnded(c);
  save();
}
function showEnded(c) {
  c.dom.tab.classList.add("ended");
  c.dom.composer.hidden = true;
  c.dom.typing.textContent = "";
  c.dom.leave.hidden = true;
  c.dom.end.hidden = true;
  if (c.dom.transfer) c.dom.transfer.hidden = true;
  c.dom.close.hidden = false;
}
function closeTab(c) {
  c.dom.tab.remove();
  c.dom.panel.remove();
  chats.delete(c.conversation);
  if (active === c) active = null;
  const first = chats.values().next().value;
  if (first) select(first);
  else $("#panels > .empty").hidden = false;
  save();
}

// ---- start ----------------------------------------------------------------------------------
$("#signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  form.querySelector("button").disabled = true;
  form.querySelector(".error").textContent = "";
  try {
    await signIn(form.username.value.trim(), form.password.value);
  } catch (err) {
    form.querySelector(".error").textContent = err.message;
  } finally {
    form.querySelector("button").disabled = false;
  }
});
$("#availability").addEventListener("change", (e) => setAvailability(e.target.value).catch((err) => status(err.message)));
$("#signout").addEventListener("click", () => signOut(true));

// A reload within the token's lifetime picks up the same application, chats and event position.
(function resume() {
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch { saved = null; }
  if (!saved || !saved.token || saved.expires < Date.now() + 10000) {
    $("#signin [name=username]").focus();
    return;
  }
  const { chats: savedChats, ...rest } = saved;
  session = rest;
  api = new Api(session.base, session.token);
  for (const c of savedChats || []) { chats.set(c.conversation, c); build(c); }
  const first = chats.values().next().value;
  if (first) select(first);
  startDesk();
})();

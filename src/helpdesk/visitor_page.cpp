// A minimal visitor page that speaks the anonymous protocol from the browser (steps 3-6, 13,
// 18-20): token from the helpdesk, discover, anonymous application, startMessaging with the
// chosen queue as customContent, the event channel, sendMessage, and ending the chat. The real
// widget is the web issue's; this one exists so `carebridge up` is usable by a person today.
#include <string>

#include "helpdesk/helpdesk.hpp"

namespace carebridge::helpdesk {

namespace {
std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

constexpr const char* kHead = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chat with us</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 16px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
#log { border: 1px solid #ccc; border-radius: 6px; min-height: 12rem; padding: .5rem; margin: 1rem 0; }
#log p { margin: .25rem 0; } .sys { color: #666; font-style: italic; } .me { color: #05a; }
#typing { color: #666; min-height: 1.2em; font-size: .9em; }
</style></head><body>
<h1>Chat with us</h1>
<form id="start">
  <label>Your name <input id="name" value="Visitor" maxlength="64" required></label>
  <label>Topic <select id="queue">)";

constexpr const char* kTail = R"(</select></label>
  <button>Start chat</button>
</form>
<div id="log" aria-live="polite"></div><div id="typing"></div>
<form id="say" hidden>
  <input id="text" autocomplete="off" size="40" required> <button>Send</button>
  <button type="button" id="end">End chat</button>
</form>
<script type="module">
const $ = (id) => document.getElementById(id);
let base, auth, messaging = null, conversation = null, live = false;

function show(text, cls = "") {
  const p = document.createElement("p");
  p.textContent = text;
  if (cls) p.className = cls;
  $("log").append(p);
}
function textOf(message) {
  const links = message._links || {};
  const uri = (links.plainMessage || links.htmlMessage || {}).href || "";
  const text = decodeURIComponent(uri.slice(uri.indexOf(",") + 1));
  if (!links.htmlMessage) return text;
  return new DOMParser().parseFromString(text, "text/html").body.textContent;
}
async function api(method, href, body, type = "application/json") {
  const headers = { Authorization: "Bearer " + auth };
  if (body !== undefined) headers["Content-Type"] = type;
  const payload = body === undefined ? undefined : type === "application/json" ? JSON.stringify(body) : body;
  const r = await fetch(new URL(href, base), { method, headers, body: payload });
  if (!r.ok) throw new Error(method + " " + href + " answered " + r.status);
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}
function handle(e) {
  const rel = e.link.rel, res = e._embedded ? Object.values(e._embedded)[0] : null;
  if (rel === "messaging" && res && res.state === "Connected") { messaging = res; $("say").hidden = false; }
  else if (rel === "conversation" && e.type === "added") conversation = e.link.href;
  else if (rel === "message" && e.type === "completed" && res) {
    const mine = res.direction === "Outgoing";
    show((mine ? "You" : (res._links.participant || {}).title || "Agent") + ": " + textOf(res), mine ? "me" : "");
  } else if (rel === "participant" && (e.in || {}).rel === "typingParticipants")
    $("typing").textContent = e.type === "added" ? (e.link.title || "Someone") + " is typing…" : "";
  else if (rel === "participant" && e.type === "added" && res) show(res.name + " joined", "sys");
  else if (rel === "participant" && e.type === "deleted" && e.link.title) show(e.link.title + " left", "sys");
  else if (rel === "messagingInvitation" && e.type === "completed" && e.status === "Failure")
    { show("The chat could not start: " + ((e.reason || {}).message || "declined"), "sys"); live = false; }
  else if (rel === "conversation" && e.type === "deleted") { show("The chat has ended.", "sys"); live = false; }
}
async function poll(next) {
  while (live) {
    const batch = await api("GET", next + (next.includes("?") ? "&" : "?") + "timeout=30");
    next = batch._links.next.href;
    for (const s of batch.sender || []) for (const e of s.events) handle(e);
  }
  $("say").hidden = true;
  $("start").hidden = false;
}
$("start").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("start").hidden = true;
  $("log").textContent = "";
  try {
    const t = await (await fetch("token", { method: "POST" })).json();
    if (!t.token) throw new Error(t.message || "no token");
    base = new URL(t.discoverUrl).origin;
    auth = t.token;
    const discover = await (await fetch(t.discoverUrl)).json();
    const app = await api("POST", discover._links.anonApplications.href, { anonymousDisplayName: $("name").value });
    live = true;
    const comm = app._embedded.communication;
    await api("POST", comm._links.startMessaging.href, { to: t.endpoint, subject: "Chat from the demo page",
      operationId: "page-" + Date.now(), customContent: "queue=" + $("queue").value });
    show("Connecting…", "sys");
    await poll(app._links.events.href);
  } catch (err) { show(String(err), "sys"); live = false; $("start").hidden = false; }
});
$("say").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const text = $("text").value;
  $("text").value = "";
  try { await api("POST", messaging._links.sendMessage.href, text, "text/plain; charset=utf-8"); }
  catch (err) { show(String(err), "sys"); }
});
$("end").addEventListener("click", async () => {
  try { await api("DELETE", conversation || messaging._links.conversation.href); } catch (err) { show(String(err), "sys"); }
});
</script></body></html>
)";
}  // namespace

std::string visitor_page(const Settings& settings) {
    std::string page = kHead;
    for (const auto& q : settings.queues)
        page += "<option value=\"" + escape(q.name) + "\">" + escape(q.display_name) + "</option>";
    page += kTail;
    return page;
}

}  // namespace carebridge::helpdesk

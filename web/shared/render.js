// Turning message events into DOM without ever parsing untrusted text as live HTML: text/plain
// becomes a text node; text/html is parsed inert (DOMParser runs no scripts) and rebuilt
// element by element from a tiny allowlist, so anything else (scripts, handlers, styles,
// javascript: links) is dropped.
import { link } from "./ucwa.js";

const DROPPED = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH", "TITLE"]);
const ALLOWED = new Set(["B", "STRONG", "I", "EM", "U", "BR", "P", "UL", "OL", "LI", "CODE", "PRE", "A", "SPAN", "DIV"]);

function dataText(uri) {
  const comma = uri.indexOf(",");
  const meta = uri.slice(0, comma);
  const data = uri.slice(comma + 1);
  if (meta.endsWith(";base64")) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  }
  return decodeURIComponent(data);
}

// {text} or {html} of a message resource (from its plainMessage / htmlMessage data URI).
export function messageContent(message) {
  const plain = link(message, "plainMessage");
  if (plain) return { text: dataText(plain) };
  const html = link(message, "htmlMessage");
  if (html) return { html: dataText(html) };
  return { text: "" };
}

function copySafe(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(document.createTextNode(node.textContent));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (DROPPED.has(node.tagName.toUpperCase())) continue;
      if (!ALLOWED.has(node.tagName)) { copySafe(node, to); continue; }  // keep the text, drop the tag
      const el = document.createElement(node.tagName.toLowerCase());
      if (node.tagName === "A") {
        const href = node.getAttribute("href") || "";
        if (/^(https?:|mailto:)/i.test(href.trim())) {
          el.setAttribute("href", href.trim());
          el.setAttribute("target", "_blank");
          el.setAttribute("rel", "noopener noreferrer nofollow");
        }
      }
      copySafe(node, el);
      to.append(el);
    }
  }
}

// A DocumentFragment showing the content: text as text, HTML through the allowlist.
export function renderContent(content) {
  const frag = document.createDocumentFragment();
  if (content.html === undefined) {
    frag.append(document.createTextNode(content.text));
    return frag;
  }
  const doc = new DOMParser().parseFromString(content.html, "text/html");
  copySafe(doc.body, frag);
  return frag;
}

export const clock = (iso) => {
  const d = iso ? new Date(iso) : new Date();
  return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
};

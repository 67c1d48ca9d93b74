// Shared by the browser tests: the real `carebridge up` on free loopback ports with a temporary
// data directory, Debian's chromium driven by playwright-core, and screenshots into artifacts/.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(HERE, "artifacts");

const CONFIG = `
[platform]
listen = "127.0.0.1:0"
data_dir = "data"
[platform.events]
long_poll_timeout = 20
typing_timeout = 3
invitation_timeout = 30
[platform.security]
allow_http_loopback_origins = true
allow_http_callbacks = true
[[platform.applications]]
id = "1627259584"
name = "Contoso helpdesk"
client_id = "helpdesk"
client_secret = "e2e-helpdesk-secret"
endpoints = ["sip:helpdesk@contoso.com"]
callback_url = "http://127.0.0.1:9/callback"
[[platform.agents]]
uri = "sip:alice@contoso.com"
display_name = "Alice"
username = "alice"
password = "alice-pass"
queues = ["general", "billing"]
[[platform.agents]]
uri = "sip:bob@contoso.com"
display_name = "Bob"
username = "bob"
password = "bob-pass"
queues = ["general"]
[helpdesk]
listen = "127.0.0.1:0"
max_chats_per_agent = 2
[helpdesk.chat]
impersonated_name = "Contoso helpdesk"
bridged_display_name = "{agent} (Contoso)"
no_agent_timeout = 120
away_backoff = 1
recheck = 1
[helpdesk.messages]
welcome = "Hello {visitor}, welcome to {queue}!"
queue_position = "All our agents are busy. You are number {position} in the queue."
[[helpdesk.queues]]
name = "general"
display_name = "general support"
[[helpdesk.queues]]
name = "billing"
display_name = "billing"
`;

// Starts `carebridge up`; resolves to {visitorUrl, consoleUrl, helpdesk, stop()}.
export async function startUp() {
  const binary = process.env.CAREBRIDGE_BINARY;
  if (!binary) throw new Error("set CAREBRIDGE_BINARY to the built carebridge executable");
  const dir = mkdtempSync(join(tmpdir(), "carebridge-e2e-"));
  writeFileSync(join(dir, "up.toml"), CONFIG);
  const proc = spawn(binary, ["up", "--config", join(dir, "up.toml")], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  proc.stderr.on("data", (d) => { err += d; });
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("carebridge up did not start:\n" + out + err)), 30000);
    proc.stdout.on("data", (d) => {
      out += d;
      const v = out.match(/visitor page: (\S+)\s+agent console: (\S+)/);
      if (v) { clearTimeout(timer); resolve({ visitorUrl: v[1], consoleUrl: v[2] }); }
    });
    proc.on("exit", (code) => reject(new Error(`carebridge up exited ${code}:\n${out}${err}`)));
  });
  const helpdesk = new URL(urls.visitorUrl).origin;
  const deadline = Date.now() + 30000;
  for (;;) {  // until the helpdesk has connected to the platform
    try {
      const h = await (await fetch(helpdesk + "/healthz")).json();
      if (h.status === "ok") break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error("the helpdesk did not connect:\n" + err);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    ...urls, helpdesk,
    stderr: () => err,
    async stop() {
      const exited = new Promise((r) => proc.on("exit", (code) => r(code)));
      proc.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 20000))]);
      if (code === "timeout") proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0 || /Sanitizer|runtime error/.test(err)) throw new Error(`carebridge up exited ${code}:\n${err.slice(-6000)}`);
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run"],
  });
}

export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name + ".png"), fullPage: true });
}

// A page's console errors and uncaught exceptions fail the test (printed for diagnosis).
export function watchErrors(page, label, errors) {
  page.on("pageerror", (e) => errors.push(`${label}: ${e.message}`));
  // "Failed to load resource" is the browser noting an HTTP error or a dropped request, which the
  // pages expect (the sign-in's 401 challenge, long-polls cut by a reconnect).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(`${label} console: ${m.text()}`);
  });
}

// The agent console: sign in and wait until the desk shows.
export async function signInAgent(browser, up, username, password) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  await page.goto(up.consoleUrl);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("You are available for chats.").waitFor();
  return { context, page };
}

// The visitor: open the demo page, the widget, fill the pre-chat form.
export async function startVisitor(browser, up, name, topic) {
  const context = await browser.newContext({ viewport: { width: 420, height: 760 } });  // phone-sized
  const page = await context.newPage();
  await page.goto(up.visitorUrl);
  await page.getByRole("button", { name: "Chat with us" }).click();
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Topic").selectOption({ label: topic });
  await page.getByRole("button", { name: "Start chat" }).click();
  return { context, page };
}

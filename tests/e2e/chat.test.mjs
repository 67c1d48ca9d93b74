// Test 1: one visitor page and two agent pages in one browser hold a whole chat, asserted on
// what is on screen: the welcome, the invitation (visitor, topic), the agent joining, the
// transcript so far, messages and typing both ways, the visitor ending, the agent seeing it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, shot, signInAgent, startUp, startVisitor, watchErrors } from "./harness.mjs";

let up, browser;
before(async () => { up = await startUp(); browser = await launch(); });
after(async () => { await browser?.close(); await up?.stop(); });

test("a whole chat between a visitor and an agent", { timeout: 120000 }, async () => {
  const errors = [];
  const alice = await signInAgent(browser, up, "alice", "alice-pass");
  const bob = await signInAgent(browser, up, "bob", "bob-pass");
  watchErrors(alice.page, "alice", errors);
  watchErrors(bob.page, "bob", errors);

  const visitor = await startVisitor(browser, up, "Janardhan", "billing");
  const v = visitor.page;
  watchErrors(v, "visitor", errors);
  const vlog = v.getByRole("log", { name: "Messages" });
  await vlog.getByText("Hello Janardhan, welcome to billing!").waitFor();
  await shot(v, "chat-1-visitor-welcome");

  // Billing is Alice's queue: she is offered the chat with the visitor's name and topic; Bob is not.
  const offer = alice.page.locator("#invitations li");
  await offer.getByText("Janardhan").waitFor();
  await offer.getByText("Topic: billing").waitFor();
  await offer.getByText(/Waiting \d+ s/).waitFor();
  await shot(alice.page, "chat-2-agent-invitation");
  assert.equal(await bob.page.locator("#invitations li").count(), 0);
  await offer.getByRole("button", { name: /Accept/ }).click();

  // The visitor sees Alice join; Alice sees the transcript so far in a tab named after the visitor.
  await v.getByText("Alice (Contoso) joined the chat").waitFor();
  await v.getByRole("status").getByText("Chatting with Alice (Contoso)").waitFor();
  await alice.page.getByRole("tab", { name: "Janardhan" }).waitFor();
  const alog = alice.page.getByRole("log", { name: "Messages with Janardhan" });
  await alog.getByText("Hello Janardhan, welcome to billing!").waitFor();

  // Typing and a message, agent -> visitor.
  const reply = alice.page.getByLabel("Reply to Janardhan");
  await reply.waitFor();
  await reply.pressSequentially("Hi, Alice");
  await v.getByText("Alice (Contoso) is typing…").waitFor();
  await shot(v, "chat-3-visitor-sees-typing");
  await reply.pressSequentially(" here");
  await reply.press("Enter");
  await vlog.getByText("Hi, Alice here").waitFor();
  await v.getByText("Alice (Contoso) is typing…").waitFor({ state: "hidden" });

  // Typing and a message, visitor -> agent.
  const box = v.getByLabel("Message", { exact: true });
  await box.pressSequentially("My order");
  await alice.page.getByText("Janardhan is typing…").waitFor();
  await box.pressSequentially(" is late");
  await v.getByRole("button", { name: "Send" }).click();
  await alog.getByText("My order is late").waitFor();
  await shot(alice.page, "chat-4-agent-conversation");
  await shot(v, "chat-4-visitor-conversation");
  assert.equal(await vlog.getByText("Not delivered").count(), 0);

  // HTML from the agent side is never live markup on the visitor's page.
  await reply.fill("<img src=x onerror=\"window.pwned=1\"><b>bold</b>");
  await reply.press("Enter");
  await vlog.getByText("<img src=x onerror=\"window.pwned=1\"><b>bold</b>").waitFor();
  assert.equal(await v.evaluate(() => window.pwned), undefined);

  // The visitor ends the chat; Alice sees it end.
  await v.getByRole("button", { name: "End chat" }).click();
  await v.getByText("You ended the chat.").first().waitFor();
  await alog.getByText("The chat has ended.").waitFor();
  assert.equal(await alice.page.getByLabel("Reply to Janardhan").isVisible(), false);
  await shot(v, "chat-5-visitor-ended");
  await shot(alice.page, "chat-5-agent-ended");
  assert.deepEqual(errors, []);
});

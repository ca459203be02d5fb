// The live inbox in headless Chromium (issue 19), two people in one browser: a visitor on /chat
// asks for a person; the operator's /inbox (an admin, logged in) shows the request without a
// reload, opens it, takes it over and replies; the visitor's page shows the reply without a
// reload, named, and no bot answer comes while a person has the conversation; the operator hands
// it back and the visitor sees it, with the bot's menu. Then `statbot team view --format json`
// (STATBOT_BIN, on the same database) counts the day's live chat and its first response time.
// Needs STATBOT_URL (a `statbot serve --demo`) and DASHBOARD_USER / DASHBOARD_PASSWORD; saves
// screenshots of /inbox, /inbox/{id} (at 1280 and 390 px) and /chat into ARTIFACTS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { assertEnforced, watchCsp } from './csp.mjs';

const base = process.env.STATBOT_URL;
assert.ok(base, 'set STATBOT_URL');
const artifacts = process.env.ARTIFACTS || new URL('./artifacts', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const violations = [];

/// Fails if the page loads again: the tests below want changes to come live.
function noReloads(page, who) {
  let loads = 0;
  page.on('load', () => { loads += 1; });
  return () => assert.equal(loads, 0, `${who}'s page was not reloaded`);
}

async function say(page, text) {
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(/\/chat#latest$/);
  await page.waitForLoadState();
}

try {
  // The visitor, on a phone.
  const visitorCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await watchCsp(visitorCtx, violations);
  const visitor = await visitorCtx.newPage();
  await visitor.goto(`${base}/chat`);
  await assertEnforced(visitor, violations);
  await say(visitor, 'hello');

  // The operator, on a laptop, with /inbox open before the visitor asks.
  const operatorCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await watchCsp(operatorCtx, violations);
  const operator = await operatorCtx.newPage();
  await operator.goto(`${base}/login?next=/inbox`);
  await operator.getByLabel('Username').fill(process.env.DASHBOARD_USER);
  await operator.getByLabel('Password').fill(process.env.DASHBOARD_PASSWORD);
  await operator.getByRole('button', { name: 'Log in' }).click();
  await operator.waitForURL(/\/inbox$/);
  await assertEnforced(operator, violations);
  const inboxLink = operator.locator('#nav-inbox');
  const waitingBefore = Number((await operator.locator('#nav-waiting').textContent()).trim());
  const operatorNotReloaded = noReloads(operator, 'the operator');

  await say(visitor, 'talk to a person');
  await visitor.locator('#messages').getByText(/passing you to a person/).waitFor();

  // Live: the request shows in the list and the count goes up, without a reload.
  const request = operator.locator('#inbox-list li.status-needs_person').first();
  await request.waitFor({ timeout: 10_000 });
  assert.match(await request.textContent(), /Waiting for a person/);
  assert.match(await request.textContent(), /talk to a person/);
  await operator.waitForFunction(
    (n) => document.getElementById('nav-waiting').textContent.trim() === String(n), waitingBefore + 1);
  assert.equal(await inboxLink.getAttribute('aria-label'), `Inbox, ${waitingBefore + 1} waiting for a person`);
  operatorNotReloaded();
  await operator.screenshot({ path: `${artifacts}/inbox-list-live-1280.png`, fullPage: true });

  // Opens it, takes over, replies.
  await request.locator('a').click();
  await operator.waitForURL(/\/inbox\/\d+$/);
  const conversationUrl = operator.url();
  assert.match(await operator.locator('#who').textContent(), /Waiting for a person since \d\d:\d\d/);
  await operator.getByRole('button', { name: 'Take over' }).click();
  await operator.waitForURL(conversationUrl);
  assert.match(await operator.locator('#who').textContent(), new RegExp(`Taken by ${process.env.DASHBOARD_USER}`));
  const visitorNotReloaded = noReloads(visitor, 'the visitor');
  await operator.getByLabel(/^Reply to/).fill('Hi, this is the team. How can I help?');
  await operator.getByRole('button', { name: 'Send', exact: true }).click();
  await operator.waitForURL(`${conversationUrl}#reply`);
  await operator.locator('#messages li.operator').getByText('How can I help?').waitFor();

  // The visitor sees the reply live, named.
  const reply = visitor.locator('#messages li.person').last();
  await reply.waitFor({ timeout: 10_000 });
  assert.match(await reply.textContent(), /from the team/);
  assert.match(await reply.textContent(), /How can I help\?/);
  visitorNotReloaded();
  await visitor.screenshot({ path: `${artifacts}/chat-operator-reply-390.png`, fullPage: true });

  // The visitor writes again: it shows on the operator's page live, and the bot keeps quiet.
  const operatorBefore = noReloads(operator, 'the operator');
  const botBubbles = await visitor.locator('#messages li.bot').count();
  await say(visitor, 'I want to change my order');
  await operator.locator('#messages li.in').getByText('I want to change my order').waitFor({ timeout: 10_000 });
  operatorBefore();
  await visitor.waitForTimeout(1000);
  await visitor.reload();
  assert.equal(await visitor.locator('#messages li.bot').count(), botBubbles, 'no bot answer while taken over');

  for (const width of [1280, 390]) {
    await operator.setViewportSize({ width, height: width > 500 ? 900 : 844 });
    await operator.goto(conversationUrl);
    const overflow = await operator.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `/inbox/{id} at ${width} px scrolls sideways by ${overflow} px`);
    await operator.screenshot({ path: `${artifacts}/inbox-conversation-${width}.png`, fullPage: true });
    await operator.goto(`${base}/inbox`);
    await operator.screenshot({ path: `${artifacts}/inbox-list-${width}.png`, fullPage: true });
  }
  await operator.setViewportSize({ width: 1280, height: 900 });
  await operator.goto(conversationUrl);

  // Hands back: the visitor is told, live, and the bot's menu comes back.
  const visitorLive = noReloads(visitor, 'the visitor');
  await operator.getByRole('button', { name: 'Hand back to the bot' }).click();
  await operator.waitForURL(conversationUrl);
  assert.match(await operator.locator('#who').textContent(), /The bot answers/);
  await visitor.locator('#messages').getByText(/back with the bot/).waitFor({ timeout: 10_000 });
  await visitor.locator('#choices button').first().waitFor();
  assert.ok((await visitor.locator('#choices button').count()) >= 1, 'the menu\'s buttons');
  visitorLive();
  await visitor.screenshot({ path: `${artifacts}/chat-back-with-the-bot-390.png`, fullPage: true });

  assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
} finally {
  await browser.close();
}

// The team's figures count the live chat and its first response (their contract: the day's
// `live_chats` and `first_response` in `statbot team view --format json`).
{
  const bin = process.env.STATBOT_BIN;
  assert.ok(bin, 'set STATBOT_BIN');
  const view = JSON.parse(execFileSync(bin, ['team', 'view', '--from', 'today', '--days', '0', '--format', 'json'], { encoding: 'utf8' }));
  // The day's automatic figures (docs/team-stats.md): one live chat, answered after some seconds.
  const today = view.daily.at(-1);
  assert.ok(today && today.automatic, `the day's inbox figures: ${JSON.stringify(view)}`);
  assert.equal(today.automatic.live_chats, 1, `the day's live chats: ${JSON.stringify(today)}`);
  assert.ok(today.automatic.first_response >= 0, `the day's first response time: ${JSON.stringify(today)}`);
  const metric = (key) => view.metrics.find((m) => m.key === key);
  assert.equal(metric('live_chats').total, 1);
  assert.equal(metric('live_chats').automatic, true);
  assert.ok(metric('first_response').average >= 0, JSON.stringify(metric('first_response')));
  assert.equal(view.operators.length, 1, JSON.stringify(view.operators));
  assert.equal(view.operators[0].live_chats, 1);
}
console.log('inbox: ok');

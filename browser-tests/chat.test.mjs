// The web chat in headless Chromium, as a person uses it (issue 22): after each message the
// newest reply is in view, with JavaScript and without; the revealed coupon code stands out and
// can be copied; the reveal leads on to the shop or the menu; a question the bot does not
// understand gets one set of choices. On a laptop's and on a phone's width, under the page's
// Content-Security-Policy. Needs STATBOT_URL (a `statbot serve --demo`); with SCREENSHOTS set to
// a folder, saves what it saw there.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { assertEnforced, watchCsp } from './csp.mjs';

const base = process.env.STATBOT_URL;
assert.ok(base, 'set STATBOT_URL');
const shots = process.env.SCREENSHOTS;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const violations = [];

/// Whether the element's top is inside the viewport (its start can be read without scrolling).
async function inView(locator) {
  return locator.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight;
  });
}

async function say(page, text) {
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(/\/chat#latest$/);
  await page.waitForLoadState();
}

async function tap(page, title) {
  await page.getByRole('button', { name: title, exact: true }).click();
  await page.waitForURL(/\/chat#latest$/);
  await page.waitForLoadState();
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png` });
}

async function visit(width, javaScript) {
  const ctx = await browser.newContext({ viewport: { width, height: width > 500 ? 800 : 844 }, javaScriptEnabled: javaScript });
  await watchCsp(ctx, violations);
  const page = await ctx.newPage();
  const name = `${width}${javaScript ? '' : '-nojs'}`;
  await page.goto(`${base}/chat`);
  if (javaScript) await assertEnforced(page, violations);
  // Enough answers to fill more than a screen.
  for (const question of ['hi', 'population of Austin', 'compare Austin, Denver and Boston', 'and income?']) {
    await say(page, question);
    assert.ok(await inView(page.locator('#latest')), `${name}: the answer to "${question}" is in view`);
  }
  await shot(page, `chat-${name}-answer`);
  await say(page, 'population of Atlantis');
  const latest = page.locator('#latest');
  assert.match(await latest.textContent(), /I don't know a city called Atlantis\. Did you mean Atlanta\?/);
  assert.ok(await inView(latest), `${name}: the newest reply is in view`);
  await shot(page, `chat-${name}-unknown`);
  await say(page, 'blorp');
  assert.deepEqual(await page.locator('.choices button').allTextContents(), ['Explore the data', 'Main menu']);
  await shot(page, `chat-${name}-not-understood`);

  await tap(page, 'Main menu');
  await tap(page, 'Yes! Show me coupon');
  await tap(page, 'Reveal the coupon');
  const code = page.locator('#latest code.coupon');
  assert.match(await code.textContent(), /^SPRING-/);
  assert.ok(await inView(code), `${name}: the code is in view`);
  if (javaScript) {
    await page.getByRole('button', { name: /^Copy the code/ }).waitFor();
  } else {
    assert.equal(await page.getByRole('button', { name: /^Copy/ }).count(), 0);
  }
  assert.deepEqual(await page.locator('.choices button').allTextContents(), ['Visit the shop', 'Back to the menu']);
  await shot(page, `chat-${name}-revealed`);
  await tap(page, 'Visit the shop');
  const link = page.locator('#latest a');
  assert.equal(await link.getAttribute('href'), `${base}/shop`);
  await shot(page, `chat-${name}-shop`);

  // A plain visit (a reload, a bookmark) opens at the newest reply too, with JavaScript.
  await page.goto(`${base}/chat`);
  if (javaScript) assert.ok(await inView(page.locator('#latest')), `${name}: a plain visit opens at the newest reply`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: the chat is ${overflow}px wider than the screen`);
  await ctx.close();
}

try {
  for (const width of [1280, 390]) {
    await visit(width, true);
    await visit(width, false);
  }
  assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
  console.log('chat: ok');
} finally {
  await browser.close();
}

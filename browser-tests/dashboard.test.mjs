// The dashboard in headless Chromium: three visitors walk the demo coupon flow on /chat, then
// an operator is refused with a wrong password, logs in, opens the flow's funnel and checks
// the numbers shown, on a laptop and on a phone screen, then the team page. Needs STATBOT_URL
// (a `statbot serve --demo` on a fresh database), DASHBOARD_USER and DASHBOARD_PASSWORD (an
// operator account), and TEAM_DAYS (the days of the last week given the same figures by
// `statbot team add`, space-separated). Once the funnel page shows its numbers, it saves a
// screenshot of it to docs/images/dashboard.png (the README's picture), so a changed dashboard
// shows in `git diff`. Every page's Content-Security-Policy is enforced (the chat's, the login
// page's and the funnel page's are checked) and none of them breaks it.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { assertEnforced, watchCsp } from './csp.mjs';

const screenshot = fileURLToPath(new URL('../docs/images/dashboard.png', import.meta.url));

const base = process.env.STATBOT_URL;
const user = process.env.DASHBOARD_USER;
const password = process.env.DASHBOARD_PASSWORD;
const teamDays = (process.env.TEAM_DAYS || '').split(/\s+/).filter(Boolean);
assert.ok(base && user && password && teamDays.length,
  'set STATBOT_URL, DASHBOARD_USER, DASHBOARD_PASSWORD and TEAM_DAYS');

async function waitForServer() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`statbot did not answer at ${base}/healthz`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});

/// Content-Security-Policy violations on any page of any context.
const violations = [];

/// A fresh browser context that fails on any request leaving statbot, and reports the policy's
/// violations.
async function context(options = {}) {
  const ctx = await browser.newContext(options);
  await watchCsp(ctx, violations);
  ctx.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith('data:')) throw new Error(`request outside statbot: ${url}`);
  });
  return ctx;
}

/// One visitor's journey on the web chat: say hi, then tap the buttons named.
async function journey(taps) {
  const ctx = await context();
  const page = await ctx.newPage();
  await page.goto(`${base}/chat`);
  await assertEnforced(page, violations);
  await page.getByLabel('Message').fill('hi');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('button', { name: 'Yes! Show me coupon' }).waitFor();
  for (const tap of taps) {
    await page.getByRole('button', { name: tap }).click();
    await page.waitForLoadState();
  }
  await ctx.close();
}

/// The text of a cell of a table (row key, column name); the funnel's unless another is named.
async function cell(page, row, col, table = 'funnel') {
  return (await page.locator(`#${table} tr[data-row="${row}"] td[data-col="${col}"]`).textContent()).trim();
}

/// The value on a headline card.
async function card(page, key) {
  return (await page.locator(`[data-card="${key}"] [data-col="value"]`).textContent()).trim();
}

/// The team page of the last seven days: the figures of TEAM_DAYS (40 solved, 19 good and 1 bad
/// rating each), the ratios against their targets, the other days named as missing, and the
/// charts drawn (CSAT's trend among them), in their phone version on a phone; the page fits a phone.
async function checkTeam(page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('link', { name: 'Team', exact: true }).click();
  await page.waitForURL(/\/team$/);
  const n = teamDays.length;
  assert.equal(await cell(page, 'solved', 'total', 'metrics'), String(40 * n));
  assert.equal(await cell(page, 'solved', 'days', 'metrics'), String(n));
  assert.equal(await cell(page, 'csat', 'value', 'ratios'), '95%');
  assert.equal(await cell(page, 'csat', 'target', 'ratios'), '95% or more');
  assert.equal(await cell(page, 'csat', 'status', 'ratios'), '✓ On target');
  const missing = await page.locator('#missing-days').textContent();
  assert.match(missing, new RegExp(`no figures for ${7 - n} of 7 days`));
  for (const day of teamDays) assert.ok(!missing.includes(day), `${day} has figures: ${missing}`);
  const chart = page.getByRole('img', { name: /^Line chart: Tickets solved, / });
  assert.ok((await chart.evaluate((img) => img.decode().then(() => img.naturalWidth))) > 0, 'the chart loads');
  const csat = page.getByRole('img', { name: /^Line chart: CSAT per day, .* Target: 95% or more marked at 95\.0%/ });
  assert.ok((await csat.evaluate((img) => img.decode().then(() => img.naturalWidth))) > 0, 'the CSAT chart loads');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => [...document.querySelectorAll('img.chart')]
    .every((img) => img.currentSrc.includes('size=phone')), null, { timeout: 5000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the team page is ${overflow}px wider than a phone`);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/team-phone.png`, fullPage: true });
}

try {
  await waitForServer();
  await journey(['Yes! Show me coupon', 'Reveal the coupon']);
  await journey(['Yes! Show me coupon']);
  await journey(['No, thanks']);

  const ctx = await context({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  assert.ok(page.url().endsWith('/login'), `the dashboard sends strangers to the login page, not ${page.url()}`);
  await assertEnforced(page, violations);

  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  assert.match(await page.getByRole('alert').textContent(), /Wrong username or password/);
  assert.ok(page.url().endsWith('/login'));
  const cookies = await ctx.cookies();
  assert.ok(!cookies.some((c) => c.name === 'statbot_session'), 'no session after a wrong password');

  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/`);
  const session = (await ctx.cookies()).find((c) => c.name === 'statbot_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'an HttpOnly SameSite session cookie');
  assert.equal((await page.getByTestId('cohort-coupon').textContent()).trim(), '3');

  await page.getByRole('link', { name: 'Spring coupon', exact: true }).click();
  await page.waitForURL(/\/flows\/coupon/);
  assert.equal(await card(page, 'entered'), '3');
  assert.equal(await cell(page, 'welcome', 'contacts'), '3');
  assert.equal(await cell(page, 'welcome/show', 'contacts'), '2');
  assert.equal(await cell(page, 'welcome/no', 'contacts'), '1');
  assert.equal(await cell(page, 'offer', 'contacts'), '2');
  assert.equal(await cell(page, 'offer/reveal', 'clicks'), '1');
  assert.equal(await cell(page, 'revealed', 'reveals'), '1');
  assert.equal(await cell(page, 'thanks', 'contacts'), '1');
  const chartWidth = await page.locator('img[alt^="Funnel: Contacts per step. welcome 3;"]').evaluate((img) => img.naturalWidth);
  assert.ok(chartWidth > 0, 'the funnel chart loads');
  await assertEnforced(page, violations);

  // The README's picture: the funnel page as a 1280 px wide screen shows it, from the top down
  // to the end of the steps table (not the whole page, to keep the file small).
  const table = await page.locator('#funnel').boundingBox();
  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({
    path: screenshot,
    fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height: Math.ceil(table.y + table.height + 24) },
  });

  // The date picker works without JavaScript: a range before anyone came shows nothing.
  await page.getByLabel('From').fill('2020-01-01');
  await page.getByLabel('To').fill('2020-01-31');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/from=2020-01-01/);
  assert.equal(await card(page, 'entered'), '0');

  // On a phone, the page fits the screen (wide tables scroll in their own box).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goBack();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/flow-phone.png`, fullPage: true });

  await checkTeam(page);

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login$/);
  await page.goto(`${base}/`);
  assert.ok(page.url().endsWith('/login'), 'logged out for good');
  assert.deepEqual(violations, [], 'no page breaks its Content-Security-Policy');
  console.log('browser test: ok');
} finally {
  await browser.close();
}

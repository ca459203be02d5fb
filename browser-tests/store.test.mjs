// The store page in headless Chromium: a customer buys two zeppelin items on localstripe (one
// partly refunded) and has a card declined, `statbot stripe sync` mirrors it, then an operator
// opens Store from the navigation and finds the customer and the word "zeppelin" with the right
// figures, every chart drawn and no console error or Content-Security-Policy violation, on a
// laptop and on a phone. Other tests may have put charges on the same localstripe, so only what
// this one made is checked exactly.
// Needs STATBOT_URL, DASHBOARD_USER and DASHBOARD_PASSWORD (as dashboard.test.mjs), and
// STATBOT_STRIPE_API_BASE and STATBOT_STRIPE_SECRET_KEY (a localstripe, and the environment
// `statbot stripe sync` reads); STATBOT_BIN names the binary (default target/debug/statbot).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { watchCsp } from './csp.mjs';

const base = process.env.STATBOT_URL;
const user = process.env.DASHBOARD_USER;
const password = process.env.DASHBOARD_PASSWORD;
const stripe = process.env.STATBOT_STRIPE_API_BASE;
const key = process.env.STATBOT_STRIPE_SECRET_KEY;
assert.ok(base && user && password && stripe && key,
  'set STATBOT_URL, DASHBOARD_USER, DASHBOARD_PASSWORD, STATBOT_STRIPE_API_BASE and STATBOT_STRIPE_SECRET_KEY');

/// POSTs a form to localstripe; returns the JSON answer (a declined charge's error included).
async function post(path, form) {
  const response = await fetch(`${stripe}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: new URLSearchParams(form),
  });
  const body = await response.json();
  assert.ok(response.ok || response.status === 402, `${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function card(number) {
  const pm = await post('/v1/payment_methods', {
    type: 'card', 'card[number]': number, 'card[exp_month]': '12', 'card[exp_year]': '2034', 'card[cvc]': '123',
  });
  return pm.id;
}

/// $120 and $80 of zeppelins, $20 of the second refunded, and a declined $50: net $180 over
/// two payments ($100 an order), "zeppelin" $90 a charge.
async function seed() {
  const customer = (await post('/v1/customers', { name: 'Zeppelin Collector', email: 'zeppelin@example.com' })).id;
  const ok = await card('4242424242424242');
  const charge = (amount, description, source = ok) =>
    post('/v1/charges', { amount, currency: 'usd', source, customer, description });
  await charge(12000, 'Vintage zeppelin poster');
  const kit = await charge(8000, 'Zeppelin model kit');
  await post('/v1/refunds', { charge: kit.id, amount: 2000 });
  const declined = await charge(5000, 'Zeppelin hangar', await card('4000000000000341'));
  assert.equal(declined.error?.code, 'card_declined', JSON.stringify(declined));
  execFileSync(process.env.STATBOT_BIN || 'target/debug/statbot', ['stripe', 'sync'], { stdio: 'inherit' });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});

try {
  await seed();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  ctx.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith('data:')) throw new Error(`request outside statbot: ${url}`);
  });
  const violations = await watchCsp(ctx);
  const page = await ctx.newPage();
  const errors = [];
  // Chromium asks for /favicon.ico on its own, and the dashboard has none: not the page's doing.
  page.on('console', (message) => {
    const source = message.location()?.url || '';
    if (message.type() === 'error' && !source.endsWith('/favicon.ico')) errors.push(`${message.text()} (${source})`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('response', (response) => response.status() >= 400 && errors.push(`${response.status()} ${response.url()}`));

  await page.goto(`${base}/store`);
  assert.ok(page.url().endsWith('/login?next=%2Fstore'), `the store page sends strangers to log in, not ${page.url()}`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  // The login opens the page that was asked for.
  await page.waitForURL(/\/store$/);
  await page.getByRole('link', { name: 'Flows', exact: true }).click();
  await page.waitForURL(`${base}/`);
  await page.getByRole('link', { name: 'Store', exact: true }).click();
  await page.waitForURL(/\/store$/);

  assert.match(await page.locator('#provenance').textContent(), /^From the mirror, synced /);
  const row = page.locator('#customers tr', { hasText: 'Zeppelin Collector' });
  const col = async (locator, name) => (await locator.locator(`td[data-col="${name}"]`).textContent()).trim();
  assert.equal(await col(row, 'net'), '$180.00');
  assert.equal(await col(row, 'payments'), '2');
  assert.equal(await col(row, 'refunded'), '$20.00');
  assert.equal(await col(row, 'average'), '$100.00');
  const word = page.locator('#words tr[data-row="zeppelin"]');
  assert.equal(await col(word, 'revenue'), '$180.00');
  assert.equal(await col(word, 'per_charge'), '$90.00');
  const failed = Number(await col(page.locator('#figures tr[data-row="failed_payments"]'), 'value'));
  assert.ok(failed >= 1, `the declined card counts as a failed payment: ${failed}`);

  const charts = page.locator('img.chart');
  assert.equal(await charts.count(), 4);
  for (const img of await charts.all()) {
    const width = await img.evaluate((i) => i.decode().then(() => i.naturalWidth));
    assert.ok(width > 0, `the chart ${await img.getAttribute('alt')} loads`);
  }
  const csv = await page.getByRole('link', { name: 'CSV' }).first().getAttribute('href');
  assert.match(csv, /^\/api\/v1\/stripe\/revenue\?from=.*&format=csv$/);

  // A weekly series from the picker, without JavaScript.
  await page.getByRole('combobox', { name: 'By' }).selectOption('week');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/period=week/);
  assert.equal((await page.locator('h2', { hasText: 'By week' }).count()), 1);

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the store page is ${overflow}px wider than a phone`);
  if (process.env.SCREENSHOTS) {
    await page.screenshot({ path: `${process.env.SCREENSHOTS}/store-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: `${process.env.SCREENSHOTS}/store.png`, fullPage: true });
  }
  assert.deepEqual(errors, [], 'no console errors or failed requests');
  assert.deepEqual(violations, [], 'the store page keeps to its Content-Security-Policy');
  console.log('store browser test: ok');
} finally {
  await browser.close();
}

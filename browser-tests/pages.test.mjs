// Every dashboard page, /chat and /shop at a laptop's width (1280 px) and a phone's (390 px):
// no page scrolls sideways, every image (chart or sparkline) has alt text and loads, and no
// page logs a console error or breaks its Content-Security-Policy. A screenshot of each page
// at each width is saved as a test artefact, to ARTIFACTS (default browser-tests/artifacts/,
// which git ignores), named PAGE-WIDTH.png.
// Needs STATBOT_URL, DASHBOARD_USER and DASHBOARD_PASSWORD (an admin), after
// dashboard.test.mjs and store.test.mjs have filled the server (contacts, team figures, the
// Stripe mirror).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { watchCsp } from './csp.mjs';

const base = process.env.STATBOT_URL;
const user = process.env.DASHBOARD_USER;
const password = process.env.DASHBOARD_PASSWORD;
assert.ok(base && user && password, 'set STATBOT_URL, DASHBOARD_USER and DASHBOARD_PASSWORD');
const artifacts = process.env.ARTIFACTS || fileURLToPath(new URL('./artifacts/', import.meta.url));
mkdirSync(artifacts, { recursive: true });

const WIDTHS = [1280, 390];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});

/// Logs in through the form; the context keeps the session cookie.
async function logIn(page) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/`);
}

/// The dashboard's pages, with the first contact's, found from the contacts list.
async function pages(page) {
  await page.goto(`${base}/contacts`);
  const contact = await page.locator('#contacts tbody a').first().getAttribute('href');
  assert.ok(contact, 'a contact to open');
  return [
    ['flows', '/'],
    ['flow', '/flows/coupon'],
    ['links', '/links'],
    ['contacts', '/contacts'],
    ['contact', contact],
    ['inbox', '/inbox'],
    ['inbox-contact', contact.replace('/contacts/', '/inbox/')],
    ['datasets', '/datasets'],
    ['dataset', '/datasets/cities'],
    ['dataset-rows', '/datasets/cities?a=Austin&b=Denver'],
    ['team', '/team'],
    ['store', '/store'],
    ['orders', '/orders'],
    ['not-found', '/flows/nope', 404],
  ];
}

/// What is wrong, page by page: every page is checked before the test fails.
const problems = [];

/// Opens `path` at `width`, checks it and saves its screenshot; returns its images' count.
async function check(ctx, name, path, width, status = 200) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (message) => {
    const source = message.location()?.url || '';
    // Chromium asks for /favicon.ico on its own; an error page's own status is what it asks.
    if (message.type() !== 'error' || source.endsWith('/favicon.ico')) return;
    if (status !== 200 && source === `${base}${path}`) return;
    errors.push(`${message.text()} (${source})`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const at = `${path} at ${width} px`;
  // Not `networkidle`: dashboard pages and the chat keep their live event stream open.
  const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
  if (response.status() !== status) problems.push(`${at}: status ${response.status()}, not ${status}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) problems.push(`${at} scrolls sideways by ${overflow} px`);
  const images = await page.locator('img').evaluateAll((imgs) => Promise.all(imgs.map(async (img) => {
    try { await img.decode(); } catch {}
    return { src: img.getAttribute('src'), alt: img.getAttribute('alt'), width: img.naturalWidth };
  })));
  for (const image of images) {
    if (!image.alt?.trim()) problems.push(`${at}: an image without alt text: ${image.src}`);
    if (!(image.width > 0)) problems.push(`${at}: the image "${image.alt}" did not load: ${image.src}`);
  }
  await page.screenshot({ path: `${artifacts}/${name}-${width}.png`, fullPage: true });
  problems.push(...errors.map((error) => `${at}: console error ${error}`));
  await page.close();
  return images.length;
}

try {
  const violations = [];
  for (const width of WIDTHS) {
    const viewport = { width, height: width > 600 ? 900 : 844 };
    // Logged out: the login page, the chat and the shop.
    const visitor = await browser.newContext({ viewport });
    await watchCsp(visitor, violations);
    for (const [name, path] of [['login', '/login'], ['chat', '/chat'], ['shop', '/shop']]) {
      await check(visitor, name, path, width);
    }
    await visitor.close();

    const ctx = await browser.newContext({ viewport });
    await watchCsp(ctx, violations);
    await logIn(await ctx.newPage());
    let charts = 0;
    for (const [name, path, status] of await pages(await ctx.newPage())) {
      charts += await check(ctx, name, path, width, status);
    }
    assert.ok(charts > 10, `the pages show their charts (${charts} images)`);
    await ctx.close();
  }
  assert.deepEqual(problems, [], 'every page fits, with its images, and logs no error');
  assert.deepEqual(violations, [], 'no page breaks its Content-Security-Policy');
  console.log(`browser test: every page fits 1280 and 390 px; screenshots in ${artifacts}`);
} finally {
  await browser.close();
}

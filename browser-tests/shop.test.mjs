// The storefront in headless Chromium: a visitor sees the demo catalog, fills a basket, signs
// up, pays with the succeeding test card and sees the order paid, then tries the declined test
// card and sees the card's reason and a failed order, logs out and in again; no request leaves
// statbot, the page fits a phone, and it runs under its Content-Security-Policy without breaking
// it. Needs STATBOT_URL: a `statbot serve --demo` with an `sk_test_` Stripe key whose API base is
// a localstripe.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { assertEnforced, watchCsp } from './csp.mjs';

const base = process.env.STATBOT_URL;
assert.ok(base, 'set STATBOT_URL');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});

try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const outside = [];
  ctx.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith('data:')) outside.push(url);
  });
  const violations = await watchCsp(ctx);
  const page = await ctx.newPage();
  await page.goto(`${base}/shop`);
  await assertEnforced(page, violations);
  await page.getByRole('button', { name: 'Add Blue mug to the basket' }).click();
  await page.getByRole('button', { name: 'Add Blue mug to the basket' }).click();
  assert.match(await page.getByTestId('basket-total').textContent(), /24[.,]00/);

  const email = `ada+${Date.now()}@example.com`;
  const signup = page.getByRole('form', { name: 'Sign up' });
  await signup.getByLabel('First name').fill('Ada');
  await signup.getByLabel('Last name').fill('Lovelace');
  await signup.getByLabel('Email').fill(email);
  await signup.getByLabel('Password').fill('correct horse battery');
  await signup.getByRole('button', { name: 'Sign up' }).click();
  await page.getByText('Signed in as Ada').waitFor();

  const checkout = page.getByRole('form', { name: 'Checkout' });
  await checkout.getByLabel('Visa ending 4242 (succeeds)').check();
  await checkout.getByRole('button', { name: 'Pay' }).click();
  await page.getByRole('alert').filter({ hasText: 'is paid' }).waitFor();
  const paid = page.locator('#order-rows tr').first();
  assert.equal((await paid.locator('td[data-col="status"]').textContent()).trim(), 'paid');
  assert.match(await paid.textContent(), /2 × Blue mug/);
  assert.match(await page.getByTestId('basket-total').textContent(), /empty/);

  // The declined card: the card's reason, and a failed order.
  await page.getByRole('button', { name: 'Add Sticker pack to the basket' }).click();
  await checkout.getByLabel('Visa ending 0341 (declined)').check();
  await checkout.getByRole('button', { name: 'Pay' }).click();
  await page.getByRole('alert').filter({ hasText: 'Your card was declined.' }).waitFor();
  await page.locator('#order-rows tr td.status-failed').first().waitFor();
  assert.equal(await page.locator('#order-rows tr').count(), 2);

  // Still logged in after a reload (the token is kept for the tab); logged out, then in again
  // with the email and password, the orders are there.
  await page.reload();
  await page.locator('#order-rows tr td.status-paid').first().waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  const login = page.getByRole('form', { name: 'Log in' });
  await login.getByLabel('Email').fill(email.toUpperCase());
  await login.getByLabel('Password').fill('correct horse battery');
  await login.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Signed in as Ada').waitFor();
  await page.locator('#order-rows tr td.status-paid').first().waitFor();

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the shop is ${overflow}px wider than a phone`);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/shop-phone.png`, fullPage: true });
  assert.deepEqual(outside, [], 'the storefront loads nothing from outside statbot in test mode');
  assert.deepEqual(violations, [], 'the storefront keeps to its Content-Security-Policy');
  console.log('shop browser test: ok');
} finally {
  await browser.close();
}

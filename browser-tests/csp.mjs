// Content-Security-Policy violations in a browser context, for the browser tests to fail on:
// each page reports its `securitypolicyviolation` events (an inline script or style refused, a
// file from an origin the policy does not name), and Chromium's console lines about the policy
// are kept too. `watchCsp(context, list)` fills the list (a new one by default) and returns it;
// `assertEnforced(page, list)`
// checks that the page has a policy at all, by putting in an inline style it must refuse.
import assert from 'node:assert/strict';

export async function watchCsp(context, violations = []) {
  await context.exposeBinding('statbotCspViolation', (_source, text) => violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.statbotCspViolation(
        `${event.effectiveDirective} refused ${event.blockedURI || 'inline code'} on ${event.documentURI}`);
    });
  });
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

export async function assertEnforced(page, violations) {
  const before = violations.length;
  const applied = await page.evaluate(() => {
    const style = document.createElement('style');
    style.textContent = 'body { --statbot-csp-probe: applied; }';
    document.head.append(style);
    const value = getComputedStyle(document.body).getPropertyValue('--statbot-csp-probe').trim();
    style.remove();
    return value;
  });
  assert.equal(applied, '', `${page.url()} applies an inline style: it has no Content-Security-Policy`);
  // Reported twice (the page's event and Chromium's console line), in either order: wait for
  // the first, then until nothing more comes, and forget them.
  const sleep = () => new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 100 && violations.length === before; i++) await sleep();
  assert.ok(violations.length > before, `${page.url()}: the refused inline style was not reported`);
  for (let seen = 0; seen !== violations.length;) {
    seen = violations.length;
    for (let i = 0; i < 6; i++) await sleep();
  }
  violations.splice(before);
}

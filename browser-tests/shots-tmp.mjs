import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--no-first-run'] });
const base = 'http://127.0.0.1:18777';
for (const width of [1280, 390]) {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  const user = `ana`;
  await page.goto(base + '/login');
  for (let i = 1; i <= 3; i++) {
    await page.fill('input[name=username]', width === 1280 ? 'ana' : 'nobody');
    await page.fill('input[name=password]', 'wrong password ' + i);
    await page.click('button[type=submit]');
    await page.screenshot({ path: `/tmp/shots/login-${width}-try${i}.png`, fullPage: true });
  }
  await page.close();
}
await browser.close();

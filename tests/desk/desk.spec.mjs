// The desk page walked through in Debian's headless Chromium (playwright-core, no downloaded
// browser). Started by desk_test.cpp, which runs the daemon, PostgreSQL, the simulator and the
// virtual card and passes them in the environment. Fails on any console error, page error,
// failed request or HTTP error answer. Screenshots of each state go to $DESK_SCREENSHOTS; the
// checks the page showed go to $DESK_RESULTS for the fixture's audit queries.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const shots = env.DESK_SCREENSHOTS;
fs.mkdirSync(shots, { recursive: true });
const problems = [];
const checks = [];
let watching = true;

function fail(message) {
  throw new Error(message);
}

const context = await chromium.launchPersistentContext(env.DESK_PROFILE, {
  executablePath: '/usr/bin/chromium',
  headless: false, // --headless=new below, as Debian's chromium is run elsewhere
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
  ignoreHTTPSErrors: true, // the daemon's development certificate
  viewport: { width: 1024, height: 768 },
  locale: 'ja-JP',
  timezoneId: 'Asia/Tokyo',
});

let step = 0;
async function shot(page, name) {
  step += 1;
  const file = path.join(shots, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  console.log(`screenshot ${file}`);
}

try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    else if (m.type() === 'warning') console.log(`console warning: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (watching) problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (watching && r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });

  // The page records every check it shows: its id, and how and with what outcome it was made.
  async function recordCheck(resultSelector, method) {
    const box = page.locator(resultSelector);
    const id = (await box.locator('.record code').textContent()).trim();
    const outcome = await box.getAttribute('data-outcome');
    if (!/^[0-9a-f-]{36}$/.test(id)) fail(`no check id in ${resultSelector}: "${id}"`);
    if (checks.some((c) => c.check_id === id)) fail(`result ${resultSelector} did not change`);
    checks.push({ check_id: id, method, outcome });
    return outcome;
  }
  async function newResult(selector, action) {
    const before = await page.locator(`${selector} .record code`).textContent().catch(() => '');
    await action();
    await page.waitForFunction(
      ([sel, old]) => {
        const c = document.querySelector(`${sel} .record code`);
        return c && c.textContent.trim() && c.textContent.trim() !== old;
      },
      [selector, (before || '').trim()],
      { timeout: 30000 },
    );
  }
  const expectText = async (selector, text) => {
    await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout: 15000 });
  };

  // 1. Enrol: the administrator's one-time code, typed once.
  const enrolled = JSON.parse(
    execFileSync(env.DESK_CTL, ['terminal', 'enrol', 'desk-e2e', '--json'], { encoding: 'utf8' }));
  await page.goto(env.DESK_URL);
  await page.locator('#enrol-code').waitFor();
  await page.locator('#enrol-code').fill(enrolled.code.toLowerCase()); // case does not matter
  await shot(page, 'enrol');
  await page.keyboard.press('Enter');
  await expectText('#terminal-id', 'desk-e2e');
  const cookies = await context.cookies();
  const cookie = cookies.find((c) => c.name === '__Host-madoguchi-desk');
  if (!cookie || !cookie.secure || !cookie.httpOnly || cookie.sameSite !== 'Strict')
    fail(`session cookie not Secure/HttpOnly/SameSite=Strict: ${JSON.stringify(cookie)}`);
  if ((await page.evaluate(() => document.cookie)).includes('madoguchi')) fail('cookie readable by script');
  const head = await page.request.get(env.DESK_URL);
  const csp = head.headers()['content-security-policy'] || '';
  if (!csp.includes("default-src 'none'") || !csp.includes("script-src 'self'")) fail(`CSP: ${csp}`);
  if (head.headers()['cache-control'] !== 'no-store') fail('page is cacheable');

  // 2. The card: pulled, the page asks for it; put back, it is ready with 3 tries.
  process.kill(Number(env.DESK_VCARD_PID), 'SIGUSR1');
  await page.locator('#reader[data-state="removed"]').waitFor();
  process.kill(Number(env.DESK_VCARD_PID), 'SIGUSR2');
  await page.locator('#reader[data-state="card_present"]').waitFor();
  await expectText('#tries', '3');
  await shot(page, 'card-ready');

  // 3. The right PIN, typed on the keyboard: 有効 with the insurer and the ratio.
  await newResult('#card-result', async () => {
    await page.keyboard.type('1234');
    await page.keyboard.press('Enter');
  });
  if ((await recordCheck('#card-result', 'card')) !== 'accepted') fail('right PIN not accepted');
  await expectText('#card-result .badge', '有効');
  await expectText('#card-result', '窓口健康保険組合');
  await expectText('#card-result', '06139992');
  await expectText('#card-result', '3割');
  await shot(page, 'card-accepted');

  // 4. A wrong PIN: the tries left are shown.
  await newResult('#card-result', async () => {
    await page.keyboard.type('9999');
    await page.keyboard.press('Enter');
  });
  if ((await recordCheck('#card-result', 'card')) !== 'failed') fail('wrong PIN not failed');
  await expectText('#tries', '残り2回');
  await shot(page, 'card-wrong-pin');

  // 5. Another wrong PIN leaves one try: the page no longer offers the PIN, only 目視確認.
  await newResult('#card-result', async () => {
    await page.keyboard.type('9999');
    await page.keyboard.press('Enter');
  });
  await recordCheck('#card-result', 'card');
  await page.locator('#visual').waitFor();
  if (await page.locator('#pin').isVisible()) fail('PIN pad offered with one try left');
  await expectText('#visual', 'ロック');
  await shot(page, 'card-last-try');
  await newResult('#card-result', () => page.locator('#visual-confirm').click());
  if ((await recordCheck('#card-result', 'card')) !== 'accepted') fail('visual confirmation not accepted');

  // 6. The card pulled: the page says so.
  process.kill(Number(env.DESK_VCARD_PID), 'SIGUSR1');
  await page.locator('#reader[data-state="removed"]').waitFor();
  await expectText('#reader', 'カードが取り外されました');
  await shot(page, 'card-removed');

  // 7. The card cannot be read: a generated qualification certificate (PDF) is accepted with
  //    its fields, confirmed online by its numbers.
  await page.keyboard.press('Alt+2');
  await page.locator('#panel-document').waitFor();
  await page.locator('input[value="card_unreadable"]').check();
  await page.locator('#file').setInputFiles(path.join(env.DESK_DOCUMENTS, 'certificate.pdf'));
  await newResult('#document-result', () => page.locator('#document-check').click());
  if ((await recordCheck('#document-result', 'document')) !== 'accepted') fail('certificate not accepted');
  await expectText('#document-result', '資格確認書');
  await expectText('#document-result [data-field="insurer_number"]', '06139992');
  await expectText('#document-result [data-field="number"]', '1001');
  await shot(page, 'document-certificate');

  // 8. The same certificate scanned: read by OCR, each field with its confidence.
  await page.locator('#file').setInputFiles(path.join(env.DESK_DOCUMENTS, 'certificate_scan.png'));
  await newResult('#document-result', () => page.locator('#document-check').click());
  const scanned = await recordCheck('#document-result', 'document');
  if (scanned !== 'accepted') fail(`scanned certificate: ${scanned}`);
  await expectText('#document-result .conf', '文字認識');
  await shot(page, 'document-scan');

  // 9. A Mynaportal PDF alone at the counter: refused, with what to ask for next.
  await page.locator('input[value="counter"]').check();
  await page.locator('#file').setInputFiles(path.join(env.DESK_DOCUMENTS, 'mynaportal.pdf'));
  await newResult('#document-result', () => page.locator('#document-check').click());
  if ((await recordCheck('#document-result', 'document')) !== 'refused') fail('PDF alone not refused');
  await expectText('#document-result .badge', '無効');
  const message = (await page.locator('#document-result .message').textContent()).trim();
  if (!/マイナ保険証|カード/.test(message)) fail(`no next step in "${message}"`);
  await shot(page, 'document-pdf-alone');

  // 10. Today at this counter: every check above, newest first.
  await page.keyboard.press('Alt+3');
  await page.waitForFunction((n) => document.querySelectorAll('#today tbody tr').length >= n, checks.length);
  await shot(page, 'today');

  // 11. English.
  await page.locator('#lang').click();
  await expectText('#tab-today', 'Today');
  await page.keyboard.press('Alt+1');
  await expectText('#reader', 'The card was removed');
  await shot(page, 'english');

  watching = false;
  fs.writeFileSync(env.DESK_RESULTS, JSON.stringify(checks, null, 1));
} catch (e) {
  problems.push(`step failed: ${e.stack || e}`);
} finally {
  watching = false;
  await context.close();
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`desk: ${checks.length} checks through the page, no console errors or failed requests`);

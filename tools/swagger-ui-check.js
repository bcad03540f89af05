// Drives Swagger UI's "Try it out" in headless Chromium: the JSON example, then a multipart image upload.
// Needs a running service on port 18083, Debian's chromium, `npm install playwright-core` and a digit PNG:
//   java -jar target/digitserve-*.jar --server.port=18083 &
//   node tools/swagger-ui-check.js path/to/digit.png      (prints both HTTP statuses and answers)
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  await page.goto('http://127.0.0.1:18083/swagger-ui/index.html');
  const op = page.locator('#operations-Prediction-predictUpload');
  await op.waitFor({ timeout: 30000 });
  await op.scrollIntoViewIfNeeded();
  await op.locator('.opblock-summary-control').click();   // "Try it out" is on by default (springdoc config)
  await op.locator('tr[data-param-name="name"] input').fill('cnn');
  await op.locator('.body-param-content-type select').selectOption('application/json');
  await page.waitForTimeout(500);
  await op.getByRole('button', { name: 'Execute' }).click();
  const json = op.locator('.live-responses-table .response-col_status').first();
  await json.waitFor({ timeout: 30000 });
  console.log('JSON status:', (await json.innerText()).trim());
  console.log('JSON body:', (await op.locator('.live-responses-table .microlight').first().innerText()).slice(0, 120).replace(/\s+/g, ' '));
  // multipart: pick the content type, then the file
  await op.locator('.body-param-content-type select').selectOption('multipart/form-data');
  await op.locator('input[type=file]').first().setInputFiles(process.argv[2]);
  await op.getByRole('button', { name: 'Execute' }).click();
  await page.waitForTimeout(3000);
  console.log('multipart status:', (await op.locator('.live-responses-table .response-col_status').first().innerText()).trim());
  console.log('multipart body:', (await op.locator('.live-responses-table .microlight').first().innerText()).slice(0, 120).replace(/\s+/g, ' '));
  await page.screenshot({ path: 'swagger-ui-check.png', fullPage: false });
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });

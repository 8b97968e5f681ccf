// The reader's path through the demo site in a real browser (Debian's
// chromium driven by playwright-core). Started by tests/browser.rs, which
// runs `newsdesk demo` and passes its address in BASE_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import http from 'node:http';

const BASE = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOT_DIR; // set to refresh the README's screenshots
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
after(async () => browser && browser.close());

async function register(page, name) {
  await page.goto(`${BASE}/register`);
  await page.fill('#username', name);
  await page.fill('#password', 'a long enough password');
  await page.click('form.stacked button[type=submit]');
  await page.waitForURL(`${BASE}/`);
}

async function shot(target, name) {
  if (SHOTS) await target.screenshot({ path: `${SHOTS}/${name}.png` });
}

test('home, then a story, then an article with related coverage, then a search', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(BASE);
  assert.ok((await page.locator('ol.cards article.card').count()) >= 40, 'home lists the newswire');
  const stories = page.locator('ol.stories article.card');
  assert.ok((await stories.count()) >= 1, 'home shows top stories');
  assert.match(await stories.first().locator('time').innerText(), /ago|Just now|Yesterday/);
  await shot(page, 'home');

  await stories.first().locator('h2 a').click();
  await page.waitForSelector('ol.timeline');
  assert.match(await page.locator('main').innerText(), /articles? from \d+ sources?/);
  await shot(page, 'story');
  await page.locator('ol.timeline h3 a').first().click();
  await page.waitForSelector('article.story h1');
  const body = await page.locator('div.body').innerText();
  for (const clutter of ['STORY CONTINUES BELOW THIS AD', 'Read Also', 'With inputs from agencies']) {
    assert.ok(!body.includes(clutter), `article shows ${clutter}`);
  }
  const related = page.locator('section.related article.card');
  assert.ok((await related.count()) >= 1, 'related articles');
  assert.match(await related.first().locator('time').innerText(), /ago|Just now|Yesterday/);
  assert.match(await page.locator('section.comments').innerText(), /No comments yet/);
  await shot(page, 'article');

  const word = (await page.locator('article.story h1').innerText()).split(/\W+/).sort((a, b) => b.length - a.length)[0];
  await page.fill('#site-search', word);
  await page.press('#site-search', 'Enter');
  await page.waitForSelector('form.filters');
  assert.ok((await page.locator('ol.cards article.card').count()) >= 1, `search for ${word} finds articles`);
  assert.ok((await page.locator('ol.cards mark').count()) >= 1, 'highlighted');
});

test('register, comment, reply, and hostile comments render inert', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  const name = `reader${Date.now() % 100000}`;
  await register(page, name);
  assert.match(await page.locator('nav.account').innerText(), new RegExp(name));

  await page.locator('ol.cards article.card h2 a').nth(2).click();
  await page.waitForSelector('section.comments');
  const articleUrl = page.url();
  const hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">';
  await page.fill('#comment-body-0', hostile);
  await page.click('section.comments > form button[type=submit]');
  await page.waitForSelector('article.comment');
  await page.locator('article.comment details summary', { hasText: 'Reply' }).first().click();
  await page.locator('article.comment details[open] textarea').fill('A reply from the browser');
  await page.locator('article.comment details[open] button[type=submit]').click();
  await page.waitForLoadState('load');

  await page.goto(articleUrl); // reload
  const comments = page.locator('article.comment');
  assert.equal(await comments.count(), 2);
  assert.equal(await comments.first().locator('p').nth(1).innerText(), hostile, 'shown as text');
  assert.equal(await page.locator('section.comments img').count(), 0, 'no injected element');
  assert.equal(await page.locator('section.comments script').count(), 0);
  assert.equal(dialogs, 0, 'no script ran');
  assert.match(await page.locator('ol.thread ol.thread article.comment').innerText(), /A reply from the browser/);
  await shot(page.locator('section.comments'), 'comments');

  // Log out and back in: the comments are still there.
  await page.click('nav.account button');
  await page.goto(`${BASE}/login`);
  await page.fill('#username', name);
  await page.fill('#password', 'a long enough password');
  await page.click('form.stacked button[type=submit]');
  await page.goto(`${BASE}/me/comments`);
  assert.equal(await page.locator('ul.my-comments li').count(), 2);
  await context.close();
});

test('a form post without the CSRF token is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/register`);
  const status = await page.evaluate(async () => {
    const form = new URLSearchParams({ username: 'nocsrf', password: 'a long enough password' });
    const r = await fetch('/register', { method: 'POST', body: form });
    return r.status;
  });
  assert.equal(status, 403);
  await context.close();
});

// Issue #15, row 1: a page on another port of the same host plants our
// CSRF cookie with a value it knows and posts a comment form carrying it.
test('a page on another port cannot plant a token and post as the reader', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const name = `victim${Date.now() % 100000}`;
  await register(page, name);
  await page.locator('ol.cards article.card h2 a').first().click();
  await page.waitForSelector('section.comments');
  const articleUrl = page.url();

  const planted = 'a'.repeat(64);
  const attacker = http.createServer((_, res) => {
    // Cookies ignore ports, and a response may replace an HttpOnly cookie.
    res.setHeader('set-cookie', `nd_csrf=${planted}; Path=/; SameSite=Lax`);
    res.setHeader('content-type', 'text/html');
    res.end(`<form method="post" action="${articleUrl}/comments">
      <input name="csrf" value="${planted}"><input name="body" value="Planted by another port">
      </form><script>document.forms[0].submit();</script>`);
  });
  await new Promise((ok) => attacker.listen(0, '127.0.0.1', ok));
  const response = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.goto(`http://127.0.0.1:${attacker.address().port}/`);
  assert.equal((await response).status(), 403, 'the forged post is refused');
  attacker.close();

  await page.goto(articleUrl);
  assert.ok(!(await page.locator('section.comments').innerText()).includes('Planted by another port'));
  await context.close();
});

// Issue #17: a reader's own newsdesk, then leaving it.
test('follow a source and an entity, hide a source, For you and its feed, save, read, delete the account', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const name = `follower${Date.now() % 100000}`;
  await register(page, name);

  // Open an article: it is marked read; save it.
  await page.locator('ol.cards article.card h2 a').first().click();
  await page.waitForSelector('article.story h1');
  const articlePath = new URL(page.url()).pathname;
  const sourcePath = await page.locator('article.story a.source').getAttribute('href');
  const entityPath = await page.locator('a[href^="/entity/"]').first().getAttribute('href');
  await page.click('div.marks button.save');
  await page.waitForSelector('div.marks button.save[aria-pressed="true"]');

  // Follow its source and one of the entities it names.
  for (const path of [sourcePath, entityPath]) {
    await page.goto(`${BASE}${path}`);
    await page.locator('div.follow button', { hasText: 'Follow' }).click();
    await page.waitForSelector('div.follow button.active');
  }
  await page.goto(`${BASE}/for-you`);
  const forYou = page.locator(`a[href="${articlePath}"]`);
  assert.ok((await forYou.count()) >= 1, 'the followed article is in For you');
  assert.equal(await page.locator(`article.card.read a[href="${articlePath}"]`).count(), 1, 'read, so dimmed');
  const feedHref = await page.locator('a[href^="/feeds/for-you/"]').getAttribute('href');
  const feed = await page.request.get(`${BASE}${feedHref}`);
  assert.equal(feed.status(), 200);
  assert.match(await feed.text(), new RegExp(`/article/${articlePath.split('/').pop()}<|${articlePath}"`));
  await shot(page, 'for-you');

  // Hide another source: it vanishes from the home page.
  await page.goto(`${BASE}/sources`);
  const other = await page.locator(`ul.sources a:not([href="${sourcePath}"])`).first().getAttribute('href');
  await page.goto(`${BASE}${other}`);
  await page.locator('div.follow button', { hasText: 'Hide' }).click();
  await page.waitForSelector('div.follow button.active');
  await page.goto(BASE);
  assert.equal(await page.locator(`ol.cards a.source[href="${other}"]`).count(), 0, 'hidden source gone');
  assert.ok((await page.locator('ol.cards article.card').count()) >= 1);

  await page.goto(`${BASE}/me/saved`);
  assert.equal(await page.locator(`ol.cards a[href="${articlePath}"]`).count(), 1, 'saved');

  // Delete the account: signed out, and the name no longer signs in.
  await page.goto(`${BASE}/me/account`);
  await page.fill('#delete-password', 'a long enough password');
  await page.locator('form.danger button').click();
  await page.waitForSelector('text=Account deleted');
  assert.match(await page.locator('nav.account').innerText(), /Log in/);
  await page.goto(`${BASE}/login`);
  await page.fill('#username', name);
  await page.fill('#password', 'a long enough password');
  await page.click('form.stacked button[type=submit]');
  await page.waitForSelector('p.error');
  assert.match(await page.locator('p.error').innerText(), /Wrong username or password/);
  await context.close();
});

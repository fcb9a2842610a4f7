#!/usr/bin/env node
// The user journeys of issue 7 in Debian's headless Chromium, driven by playwright-core, against
// a running `fedgate demo` (started by scripts/interop.d/70-browser.sh, which also registers the
// peer IdPs and writes their signed responses). Each journey asserts what the user sees: AWS's
// texts where AWS has one (reference: aws-behaviour.md §1.3, §1.7, §5), not only status codes.
//
//   node journeys.js            configuration from the environment:
//     FG_BASE        the server, http://127.0.0.1:PORT
//     FG_CHROMIUM    the Chromium executable (Debian's /usr/bin/chromium)
//     FG_OUT         where screenshots and summary.txt go (not the repository)
//     FG_INSTANCE    the demo instance's id
//     FG_ACCOUNT     the account id the role picker names
//     FG_PEERS       folder of peer-signed responses (*.b64) and peers.json (their roles)
//     FG_ONLY        optional: run only the journeys whose name contains this word
//
// Prints one line per journey and ends with `browser: N passed, M failed`; exits 1 on a failure.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`journeys.js: ${name} is not set`);
    process.exit(2);
  }
  return value;
};
const BASE = env('FG_BASE');
const OUT = env('FG_OUT');
const INSTANCE = env('FG_INSTANCE');
const ACCOUNT = env('FG_ACCOUNT');
const PEERS = env('FG_PEERS');
const CHROMIUM = env('FG_CHROMIUM');
const ONLY = process.env.FG_ONLY || '';

// AWS's texts (aws-behaviour.md) and fedgate's own (crates/server/src/signin.rs).
const NOT_ONBOARDED =
  'Access Denied. Your account has been authenticated, but has not been onboarded to this application.';
const IAM_DENIED = 'Access denied, Please contact your AWS account administrator for assistance.';
const SESSION_EXPIRED = 'Session Expired';
const SAML_HEADER =
  'first name,last name,user login,routing profile name,security_profile_name_1|security_profile_name_2,' +
  'phone type (soft/desk),phone number,soft phone auto accept (yes/no),ACW timeout (seconds)';
const CCP_RELAY = `/connect/federate/${INSTANCE}?destination=%2Fccp-v2`;

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function equal(actual, expected, what) {
  check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, saw ${JSON.stringify(actual)}`);
}

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const file = path.join(OUT, 'screenshots', `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/// The trimmed text of the one element `selector` names (fails when there is none or several).
async function text(page, selector) {
  const locator = page.locator(selector);
  const count = await locator.count();
  equal(count, 1, `number of elements matching ${selector} on ${page.url()}`);
  return (await locator.innerText()).trim();
}

function pathOf(page) {
  const url = new URL(page.url());
  return url.pathname;
}

/// Waits for the navigation a click starts and returns its final response's status.
async function clickAndWait(page, selector) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  return response ? response.status() : 0;
}

/// The dev IdP's page, then the user's button; the IdP's page posts the signed response to
/// /saml by itself (an auto-submitting form, as real IdP portals do). Resolves on the page the
/// whole chain of redirects ends on.
async function devIdpSignIn(page, user) {
  const response = await page.goto(`${BASE}/dev-idp`);
  equal(response.status(), 200, 'the dev IdP page status');
  equal(await text(page, 'h1'), 'fedgate development IdP', 'the dev IdP page heading');
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/dev-idp'), { waitUntil: 'load' }),
    page.click(`#login-${user}`),
  ]);
}

/// A page on another origin (a file, as an IdP's own site would be) that posts `response` to
/// /saml with RelayState, like an IdP's portal after the user signs in there.
async function peerPost(page, name, response, relay) {
  const html = `<!DOCTYPE html><html><head><title>Peer IdP</title></head><body>
<h1>Signing in with the ${name} IdP…</h1>
<form id="saml" method="post" action="${BASE}/saml">
<input type="hidden" name="SAMLResponse" value="${response}">
<input type="hidden" name="RelayState" value="${relay.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">
<noscript><button type="submit">Continue</button></noscript></form>
<script>document.getElementById('saml').submit();</script></body></html>`;
  const file = path.join(OUT, 'pages', `${name}-post.html`);
  fs.writeFileSync(file, html);
  await Promise.all([
    page.waitForURL((url) => url.protocol === 'http:', { waitUntil: 'load' }),
    page.goto(`file://${file}`),
  ]);
}

function peer(name) {
  return fs.readFileSync(path.join(PEERS, `${name}.b64`), 'utf8').trim();
}

async function expectCcp(page, user) {
  equal(pathOf(page), '/app/demo/ccp-v2', 'the page after the sign-in');
  equal(await page.title(), 'Contact Control Panel', 'the CCP page title');
  equal(await text(page, 'h1'), 'Contact Control Panel', 'the CCP heading');
  equal(await text(page, '#agent'), user, 'the agent named on the CCP');
}

async function expectSessionExpired(page, response, where) {
  equal(response.status(), 401, `${where}: status`);
  equal(await page.title(), SESSION_EXPIRED, `${where}: page title`);
  equal(await text(page, 'h1'), SESSION_EXPIRED, `${where}: heading`);
  check(
    (await page.locator('body').innerText()).includes('Sign in again through your identity provider.'),
    `${where}: the page does not say how to sign in again`,
  );
}

// --- the journeys ------------------------------------------------------------------------------

const journeys = [];
const journey = (name, run) => journeys.push({ name, run });

journey('alice: dev IdP to the CCP, status Available persists', async (page) => {
  await devIdpSignIn(page, 'alice');
  await expectCcp(page, 'alice');
  const before = await text(page, '#status');
  await screenshot(page, 'alice-ccp');
  // A new agent starts Offline (the stage's data dir is fresh); the button sets Available.
  equal(before, 'Offline', 'the status of a new agent');
  equal(await text(page, '#toggle-status'), 'Set status to Available', 'the toggle button');
  const status = await clickAndWait(page, '#toggle-status');
  equal(status, 200, 'the CCP after the status change');
  equal(pathOf(page), '/app/demo/ccp-v2', 'the page after the status change');
  equal(await text(page, '#status'), 'Available', 'the status after the change');
  const reloaded = await page.reload();
  equal(reloaded.status(), 200, 'the CCP reloaded');
  equal(await text(page, '#status'), 'Available', 'the status after a reload');
  equal(await text(page, '#toggle-status'), 'Set status to Offline', 'the toggle after a reload');
  await screenshot(page, 'alice-available');
  // Back to Offline, so the journey can be repeated on the same data.
  await clickAndWait(page, '#toggle-status');
  equal(await text(page, '#status'), 'Offline', 'the status toggled back');
});

journey('role picker: a samlify response with two roles, AWS DOM, the chosen role is used', async (page, context) => {
  const peers = JSON.parse(fs.readFileSync(path.join(PEERS, 'peers.json'), 'utf8'));
  for (const [file, chosen, outcome] of [
    ['picker-agent', peers.agentRole, 'ccp'],
    ['picker-noconnect', peers.noConnectRole, 'denied'],
  ]) {
    await context.clearCookies();
    await peerPost(page, `samlify-${file}`, peer(file), CCP_RELAY);
    equal(pathOf(page), '/saml', 'the role picker is the answer to the POST');
    equal(await page.title(), 'Amazon Web Services Sign-In', 'the picker page title');
    // The DOM of §1.7 that tools scrape.
    equal(await text(page, 'fieldset div.saml-account div.saml-account-name'), `Account: ${ACCOUNT}`, 'the account line');
    const radios = page.locator('fieldset div.saml-account div.saml-role input[type=radio][name=roleIndex].saml-radio');
    equal(await radios.count(), 2, 'number of roles offered');
    const values = await radios.evaluateAll((inputs) => inputs.map((i) => [i.value, i.id, i.checked]));
    const expected = [peers.noConnectRole, peers.agentRole];
    equal(JSON.stringify(values.map((v) => v[0])), JSON.stringify(expected), 'the roles offered, in assertion order');
    for (const [value, id] of values) equal(id, value, 'a radio\'s id is its role ARN');
    for (const arn of expected) {
      const label = page.locator(`label.saml-role-description[for="${arn}"]`);
      equal(await label.count(), 1, `the label of ${arn}`);
      equal((await label.innerText()).trim(), arn.split('/').pop(), `the label text of ${arn}`);
    }
    for (const name of ['SAMLResponse', 'RelayState']) {
      equal(await page.locator(`form#saml_form input[type=hidden][name=${name}]`).count(), 1, `the hidden ${name}`);
    }
    equal(await page.locator('form#saml_form input[name=RelayState]').inputValue(), CCP_RELAY, 'the RelayState carried');
    equal(await text(page, '#signin_button'), 'Sign In', 'the picker button');
    await screenshot(page, `picker-${file}`);
    await page.check(`input[type=radio][id="${chosen}"]`);
    const status = await clickAndWait(page, '#signin_button');
    if (outcome === 'ccp') {
      equal(status, 200, 'the page after choosing the agent role');
      await expectCcp(page, peers.user);
    } else {
      equal(status, 403, 'the page after choosing the role without the permission');
      equal(await page.title(), 'Access Denied', 'the title after choosing the role without the permission');
      equal(await text(page, '#error_message'), IAM_DENIED, 'IAM\'s denial as the console shows it');
    }
    await screenshot(page, `picker-${file}-chosen`);
  }
});

journey('carol: authenticated but not onboarded sees Access Denied', async (page) => {
  await devIdpSignIn(page, 'carol');
  equal(pathOf(page), `/connect/federate/${INSTANCE}`, 'carol stops at the federation');
  equal(await page.title(), 'Access Denied', 'the page title');
  equal(await text(page, 'h1'), 'Access Denied', 'the heading');
  equal(await text(page, '#error_message'), NOT_ONBOARDED, 'the text AWS shows');
  await screenshot(page, 'carol-access-denied');
  // Nothing of the instance opened for her.
  await expectSessionExpired(page, await page.goto(`${BASE}/app/demo/ccp-v2`), 'carol on the CCP');
});

journey('direct visit without a session: Session Expired', async (page) => {
  for (const where of ['/app/demo/ccp-v2', '/app/demo/users', '/app/demo/home', '/console']) {
    await expectSessionExpired(page, await page.goto(`${BASE}${where}`), where);
  }
  // The sign-in link without a (valid) one-time token is no way in either.
  await expectSessionExpired(page, await page.goto(`${BASE}/app/demo/auth/sign-in?token=forged`), 'a forged token');
  await screenshot(page, 'session-expired');
});

journey('bob: user management, CSV upload creates users; a bad row or an oversize file creates nobody', async (page) => {
  await devIdpSignIn(page, 'bob');
  equal(pathOf(page), '/app/demo/home', 'bob lands on the instance home');
  equal(await text(page, 'h1'), 'Welcome, bob', 'the home heading');
  await clickAndWait(page, 'nav a:text-is("Users")');
  equal(pathOf(page), '/app/demo/users', 'the users page');
  equal(await text(page, 'h1'), 'User management', 'the users page heading');
  const logins = async () =>
    (await page.locator('#users tr td:first-child').allInnerTexts()).map((s) => s.trim()).sort();
  const before = await logins();
  check(before.includes('alice') && before.includes('bob'), `the seeded users are listed: ${before}`);
  const stamp = `${Date.now().toString(36)}`;
  const names = [`erin${stamp}`, `gus${stamp}`];
  check(!names.some((n) => before.includes(n)), 'the new logins are new');
  const input = page.locator('form[enctype="multipart/form-data"] input[type=file][name=csv]');
  equal(await input.count(), 1, 'the file input of the upload form');
  equal(await input.getAttribute('accept'), '.csv,text/csv', 'the file input accepts CSV');

  // A file with a bad row: nothing is created, the row's error is shown.
  const bad = `${SAML_HEADER}\nErin,Import,${names[0]},Basic Routing Profile,Agent,soft,,no,0\nFred,Import,fred${stamp},No Such Routing Profile,Agent,soft,,no,0\n`;
  const badFile = path.join(OUT, 'pages', 'users-bad.csv');
  fs.writeFileSync(badFile, bad);
  await input.setInputFiles(badFile);
  equal(await clickAndWait(page, '#upload'), 200, 'the page after the bad upload');
  const refused = await text(page, '#import-result');
  check(refused.startsWith('No user was created'), `the bad upload's result: ${refused}`);
  check(/Line 3: .*No Such Routing Profile/.test(refused), `the bad row is named with its line: ${refused}`);
  equal(JSON.stringify(await logins()), JSON.stringify(before), 'the users after the refused upload (all or nothing)');
  await screenshot(page, 'bob-csv-refused');

  // A file over the page's 2 MiB bound: refused with a message (while it streams in), nobody
  // created; the browser gets the page, not a reset connection.
  const row = `Big,Import,big${stamp}-ROW,Basic Routing Profile,Agent,soft,,no,0\n`;
  const rows = Math.ceil((3 * 1024 * 1024) / row.length);
  const bigFile = path.join(OUT, 'pages', 'users-3MiB.csv');
  fs.writeFileSync(bigFile, SAML_HEADER + '\n' + Array.from({ length: rows }, (_, i) => row.replace('ROW', i)).join(''));
  await page.locator('input[type=file][name=csv]').setInputFiles(bigFile);
  equal(await clickAndWait(page, '#upload'), 413, 'the page after the oversize upload');
  equal(await text(page, '#import-result'), 'No user was created: the file is larger than 2 MiB.', 'the oversize upload\'s result');
  equal(JSON.stringify(await logins()), JSON.stringify(before), 'the users after the oversize upload');
  fs.unlinkSync(bigFile);

  // The good file: every row is created and listed.
  const good = `${SAML_HEADER}\nErin,Import,${names[0]},Basic Routing Profile,Agent,soft,,no,0\nGus,Import,${names[1]},Basic Routing Profile,Agent|Admin,desk,+14155550100,yes,30\n`;
  const goodFile = path.join(OUT, 'pages', 'users-good.csv');
  fs.writeFileSync(goodFile, good);
  await page.locator('input[type=file][name=csv]').setInputFiles(goodFile);
  equal(await clickAndWait(page, '#upload'), 200, 'the page after the good upload');
  equal(await text(page, '#import-result'), 'Created 2 users.', 'the good upload\'s result');
  const after = await logins();
  equal(JSON.stringify(after), JSON.stringify([...before, ...names].sort()), 'the users after the upload');
  // Still there on a fresh load of the page (not just echoed).
  await page.goto(`${BASE}/app/demo/users?q=${stamp}`);
  equal(JSON.stringify(await logins()), JSON.stringify(names), 'a search finds the imported users');
  await screenshot(page, 'bob-csv-created');
});

journey('logout ends the instance and the console sessions, copied cookies too', async (page, context) => {
  await devIdpSignIn(page, 'alice');
  await expectCcp(page, 'alice');
  const signedIn = await page.goto(`${BASE}/console`);
  equal(signedIn.status(), 200, 'the console before the logout');
  check(
    (await text(page, '#identity')).endsWith(':assumed-role/ConnectFederation/alice'),
    'the console names alice\'s role session',
  );
  const kept = await context.cookies();
  check(kept.some((c) => c.name === 'fedgate-instance') && kept.some((c) => c.name === 'fedgate-console'),
    `both session cookies are held: ${kept.map((c) => c.name)}`);
  await page.goto(`${BASE}/app/demo/ccp-v2`);
  equal(await clickAndWait(page, 'nav button:text-is("Log out")'), 200, 'the logout page');
  equal(await text(page, 'h1'), 'You have signed out', 'the logout heading');
  await screenshot(page, 'logout');
  await expectSessionExpired(page, await page.goto(`${BASE}/app/demo/ccp-v2`), 'the CCP after the logout');
  await expectSessionExpired(page, await page.goto(`${BASE}/console`), 'the console after the logout');
  // Cookies copied before the logout open nothing: the sessions ended on the server.
  await context.addCookies(kept);
  await expectSessionExpired(page, await page.goto(`${BASE}/app/demo/ccp-v2`), 'the CCP with the copied cookies');
  await expectSessionExpired(page, await page.goto(`${BASE}/console`), 'the console with the copied cookies');
});

journey('peer IdP: a pysaml2-signed response posted from another origin lands on the CCP', async (page) => {
  const peers = JSON.parse(fs.readFileSync(path.join(PEERS, 'peers.json'), 'utf8'));
  await peerPost(page, 'pysaml2', peer('pysaml2-agent'), CCP_RELAY);
  await expectCcp(page, peers.user);
  await screenshot(page, 'pysaml2-ccp');
  // The console session is the peer role's, not the demo's.
  await page.goto(`${BASE}/console`);
  check(
    (await text(page, '#identity')).endsWith(`:assumed-role/${peers.agentRole.split('/').pop()}/${peers.user}`),
    'the console names the peer role\'s session',
  );
  // The same response again is a replay: AWS's invalid-response page, no second session.
  await page.context().clearCookies();
  await peerPost(page, 'pysaml2-replay', peer('pysaml2-agent'), CCP_RELAY);
  equal(pathOf(page), '/saml', 'a replay stays on the sign-in');
  const refusal = await text(page, '#error_message');
  check(
    /^Response has already been used \(Service: AWSSecurityTokenService; Status Code: 400; Error Code: InvalidIdentityToken; Request ID: [^)]+\)\. Please try again\.$/.test(refusal),
    `a replayed response is refused with STS's text: ${refusal}`,
  );
  await expectSessionExpired(page, await page.goto(`${BASE}/console`), 'the console after the replay');
  await screenshot(page, 'pysaml2-replay');
});

// --- runner ------------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(path.join(OUT, 'screenshots'), { recursive: true });
  fs.mkdirSync(path.join(OUT, 'pages'), { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const summary = [];
  let passed = 0;
  let failed = 0;
  for (const { name, run } of journeys) {
    if (ONLY && !name.includes(ONLY)) continue;
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const started = Date.now();
    try {
      await run(page, context);
      passed += 1;
      summary.push(`ok   ${name} (${Date.now() - started} ms)`);
      console.log(`ok   ${name}`);
    } catch (error) {
      failed += 1;
      const where = page.url();
      let file = '';
      try {
        file = await screenshot(page, 'FAILED');
      } catch (_) {
        // the page may be gone; the message still says what failed
      }
      const message = error instanceof Failure ? error.message : (error.stack || String(error));
      summary.push(`FAIL ${name}: ${message} (at ${where}${file ? `; ${file}` : ''})`);
      console.log(`FAIL ${name}\n  ${message}\n  at ${where}${file ? `\n  screenshot ${file}` : ''}`);
    } finally {
      await context.close();
    }
  }
  await browser.close();
  const line = `browser: ${passed} passed, ${failed} failed`;
  fs.writeFileSync(path.join(OUT, 'summary.txt'), `${summary.join('\n')}\n${line}\n`);
  console.log(line);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error.stack || String(error));
  console.log('browser: 0 passed, 1 failed');
  process.exit(1);
});

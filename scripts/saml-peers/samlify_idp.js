#!/usr/bin/env node
// Copied from shared/peers/samlify_idp.js (the project carries its own peers); used by
// scripts/saml_vectors.py to make accept/samlify/ vectors.
// samlify_idp.js - third independent IdP: samlify (npm) IdentityProvider.createLoginResponse
// with the POST binding, no browser. samlify signs with xml-crypto (pure JS, no xmlsec1):
// enveloped + exclusive c14n, RSA-SHA256, SHA-256 digest.
//
// Same flags as make_response.sh. Outputs in --out-dir (default ./out-samlify):
// idp.key, idp.crt (reused if present, else generated with openssl), idp-metadata.xml
// (made by samlify), response.xml, response.b64. If xmlsec1 is installed, the output is
// checked with `xmlsec1 --verify`.
//
// Run: node samlify_idp.js --help
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFileSync, spawnSync } = require('child_process');
const saml = require('samlify');

const AWS_SIGNIN = 'https://signin.aws.amazon.com/saml';
const HELP = `usage: node samlify_idp.js [options]
  --out-dir DIR           (default ./out-samlify)
  --user NAME             NameID and default RoleSessionName (default alice)
  --session-name NAME     RoleSessionName (default --user)
  --nameid-format URI     (default urn:oasis:names:tc:SAML:2.0:nameid-format:persistent)
  --issuer URI            (default https://idp.example.test/saml)
  --audience URI          SP entityID / Audience (default ${AWS_SIGNIN})
  --recipient URI         ACS URL: Recipient and Destination (default ${AWS_SIGNIN})
  --role ARN / --provider ARN / --role-value "roleArn,providerArn" (repeatable)
  --session-duration SEC  ("none" to omit; default 3600)
  --now EPOCH|ISO         (default now)
  --valid-seconds N       NotOnOrAfter = now + N (default 300, may be negative)
  --sign assertion|response|both|none (default assertion)
  --key PEM --cert PEM    (default OUT_DIR/idp.key, OUT_DIR/idp.crt)
  --quiet`;

function parseArgs(argv) {
  const a = {
    outDir: './out-samlify', user: 'alice', sessionName: null,
    nameidFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    issuer: 'https://idp.example.test/saml', audience: AWS_SIGNIN, recipient: AWS_SIGNIN,
    role: 'arn:aws:iam::123456789012:role/ConnectFederation',
    provider: 'arn:aws:iam::123456789012:saml-provider/ExampleIdP',
    roleValues: [], sessionDuration: '3600', now: null, validSeconds: 300, sign: 'assertion',
    key: null, cert: null, quiet: false,
  };
  const map = {
    '--out-dir': 'outDir', '--user': 'user', '--session-name': 'sessionName',
    '--nameid-format': 'nameidFormat', '--issuer': 'issuer', '--audience': 'audience',
    '--recipient': 'recipient', '--role': 'role', '--provider': 'provider',
    '--session-duration': 'sessionDuration', '--now': 'now', '--valid-seconds': 'validSeconds',
    '--sign': 'sign', '--key': 'key', '--cert': 'cert',
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '-h' || k === '--help') { console.log(HELP); process.exit(0); }
    if (k === '--quiet') { a.quiet = true; continue; }
    if (k === '--role-value') { a.roleValues.push(argv[++i]); continue; }
    if (!(k in map) || i + 1 >= argv.length) { console.error(`bad option ${k}\n${HELP}`); process.exit(2); }
    a[map[k]] = argv[++i];
  }
  if (!['assertion', 'response', 'both', 'none'].includes(a.sign)) { console.error('bad --sign'); process.exit(2); }
  a.validSeconds = parseInt(a.validSeconds, 10);
  return a;
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const toMs = (s) => (/^\d+$/.test(s) ? parseInt(s, 10) * 1000 : Date.parse(s));
const newId = () => '_' + crypto.randomBytes(20).toString('hex');

function ensureKey(key, cert) {
  if (fs.existsSync(key) && fs.existsSync(cert)) return;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
    '-subj', '/CN=samlify Test IdP', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  fs.chmodSync(key, 0o600);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  fs.mkdirSync(a.outDir, { recursive: true });
  const keyFile = a.key || path.join(a.outDir, 'idp.key');
  const certFile = a.cert || path.join(a.outDir, 'idp.crt');
  ensureKey(keyFile, certFile);
  const certB64 = fs.readFileSync(certFile, 'utf8').replace(/-----[^-]+-----|\s/g, '');

  // samlify refuses to *parse* without a schema validator; we only build, but set a
  // no-op one so nothing else complains.
  saml.setSchemaValidator({ validate: () => Promise.resolve('skipped') });
  const { SamlLib, Constants } = saml;
  const RSA_SHA256 = Constants.algorithms.signature.RSA_SHA256;

  const idp = saml.IdentityProvider({
    entityID: a.issuer,
    privateKey: fs.readFileSync(keyFile),
    signingCert: certB64,
    nameIDFormat: [a.nameidFormat],
    requestSignatureAlgorithm: RSA_SHA256,
    singleSignOnService: [
      { Binding: Constants.namespace.binding.redirect, Location: a.issuer.replace(/\/$/, '') + '/sso' },
      { Binding: Constants.namespace.binding.post, Location: a.issuer.replace(/\/$/, '') + '/sso' },
    ],
    singleLogoutService: [
      { Binding: Constants.namespace.binding.redirect, Location: a.issuer.replace(/\/$/, '') + '/slo' },
    ],
  });
  // samlify decides what to sign from the SP side: WantAssertionsSigned -> assertion,
  // wantMessageSigned (or !WantAssertionsSigned) -> Response.
  const sp = saml.ServiceProvider({
    entityID: a.audience,
    assertionConsumerService: [{ Binding: Constants.namespace.binding.post, Location: a.recipient }],
    wantAssertionsSigned: a.sign === 'assertion' || a.sign === 'both',
    wantMessageSigned: a.sign === 'response' || a.sign === 'both',
  });

  const nowMs = a.now ? toMs(a.now) : Date.now();
  const roles = a.roleValues.length ? a.roleValues : [`${a.role},${a.provider}`];
  const AWS = 'https://aws.amazon.com/SAML/Attributes/';
  const uriFmt = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
  const attr = (name, tags) => `<saml:Attribute Name="${AWS}${name}" NameFormat="${uriFmt}">` +
    tags.map((t) => `<saml:AttributeValue xsi:type="xs:string">{${t}}</saml:AttributeValue>`).join('') +
    '</saml:Attribute>';
  const values = {
    ID: newId(), AssertionID: newId(), SessionIndex: newId(),
    Destination: a.recipient, SubjectRecipient: a.recipient, Audience: a.audience, Issuer: a.issuer,
    IssueInstant: iso(nowMs), ConditionsNotBefore: iso(nowMs - 60000),
    NotOnOrAfter: iso(nowMs + a.validSeconds * 1000),
    NameIDFormat: a.nameidFormat, NameID: a.user, RoleSessionName: a.sessionName || a.user,
    SessionDuration: a.sessionDuration,
    StatusCode: Constants.StatusCode.Success,
  };
  roles.forEach((r, i) => { values[`Role${i}`] = r; });
  // A template in samlify's own shape (no InResponseTo: IdP-initiated), filled with
  // SamlLib.replaceTagsByValue, which XML-escapes every value.
  const template =
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}">' +
    '<saml:Issuer>{Issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{StatusCode}"/></samlp:Status>' +
    '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
    '<saml:Issuer>{Issuer}</saml:Issuer>' +
    '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>' +
    '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{NotOnOrAfter}" Recipient="{SubjectRecipient}"/></saml:SubjectConfirmation></saml:Subject>' +
    '<saml:Conditions NotBefore="{ConditionsNotBefore}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
    '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
    '<saml:AttributeStatement>' +
    attr('Role', roles.map((_, i) => `Role${i}`)) +
    attr('RoleSessionName', ['RoleSessionName']) +
    (a.sessionDuration === 'none' ? '' : attr('SessionDuration', ['SessionDuration'])) +
    '</saml:AttributeStatement></saml:Assertion></samlp:Response>';
  const filled = SamlLib.replaceTagsByValue(template, values);

  let xml;
  if (a.sign === 'none') {
    xml = filled; // samlify always signs something; "none" is its template, unsigned
  } else {
    const { context } = await idp.createLoginResponse(sp, null, 'post', { email: a.user }, {
      customTagReplacement: () => ({ id: values.ID, context: filled }),
    });
    xml = Buffer.from(context, 'base64').toString('utf8');
  }
  xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + xml;
  const out = path.join(a.outDir, 'response.xml');
  fs.writeFileSync(out, xml);
  fs.writeFileSync(path.join(a.outDir, 'response.b64'), Buffer.from(xml, 'utf8').toString('base64'));
  fs.writeFileSync(path.join(a.outDir, 'idp-metadata.xml'), idp.getMetadata());
  if (!a.quiet) console.log(`wrote ${a.outDir}/{idp.key,idp.crt,idp-metadata.xml,response.xml,response.b64} sign=${a.sign}`);

  // Cross-check with xmlsec1 when present (the embedded cert must be our cert).
  const idattr = ['--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
    '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:protocol:Response'];
  const checks = [];
  if (a.sign === 'assertion' || a.sign === 'both') checks.push(['assertion', "//*[local-name()='Assertion']/*[local-name()='Signature']"]);
  if (a.sign === 'response' || a.sign === 'both') checks.push(['response', "/*[local-name()='Response']/*[local-name()='Signature']"]);
  for (const [what, xp] of checks) {
    const r = spawnSync('xmlsec1', ['--verify', '--trusted-pem', certFile, ...idattr, '--node-xpath', xp, out], { encoding: 'utf8' });
    if (r.error) { if (!a.quiet) console.log('xmlsec1 not found; skipped verification'); break; }
    if (r.status !== 0) { console.error(`${what} signature FAILED to verify:\n${r.stderr}`); process.exit(1); }
    if (!a.quiet) console.log(`${what} signature (xmlsec1): ${r.stderr.trim().split('\n')[0]}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });

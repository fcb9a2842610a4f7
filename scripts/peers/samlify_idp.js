#!/usr/bin/env node
// The samlify IdP of scripts/peers/idp.py (which runs it; see there). Reads one JSON job on
// standard input:
//   {key, cert, issuer, metadata, responses: [{out, user, session_name, roles, audience,
//    recipient, now, valid_seconds, sign, session_duration}]}
// writes samlify's IdP metadata to `metadata` and each response's XML to `<out>.xml`.
// samlify signs with xml-crypto (enveloped + exc-c14n, RSA-SHA256, SHA-256); what it signs
// follows the service provider: WantAssertionsSigned → the assertion, wantMessageSigned → the
// Response. NODE_PATH must reach samlify (scripts/saml-peers/node_modules).
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const saml = require('samlify');

const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const newId = () => '_' + crypto.randomBytes(18).toString('hex');

function template(spec, roleTags) {
  const attribute = (name, tags) =>
    `<saml:Attribute Name="${ATTR}${name}" NameFormat="${URI_FORMAT}">` +
    tags.map((tag) => `<saml:AttributeValue xsi:type="xs:string">{${tag}}</saml:AttributeValue>`).join('') +
    '</saml:Attribute>';
  return '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}">' +
    '<saml:Issuer>{Issuer}</saml:Issuer>' +
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
    '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
    '<saml:Issuer>{Issuer}</saml:Issuer>' +
    '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>' +
    '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
    '<saml:SubjectConfirmationData NotOnOrAfter="{NotOnOrAfter}" Recipient="{Recipient}"/></saml:SubjectConfirmation></saml:Subject>' +
    '<saml:Conditions NotBefore="{NotBefore}" NotOnOrAfter="{NotOnOrAfter}">' +
    '<saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
    '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext>' +
    '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>' +
    '</saml:AuthnContext></saml:AuthnStatement>' +
    '<saml:AttributeStatement>' +
    attribute('Role', roleTags) +
    attribute('RoleSessionName', ['RoleSessionName']) +
    (spec.session_duration === null ? '' : attribute('SessionDuration', ['SessionDuration'])) +
    '</saml:AttributeStatement></saml:Assertion></samlp:Response>';
}

async function main() {
  const job = JSON.parse(fs.readFileSync(0, 'utf8'));
  // samlify wants a schema validator before it parses anything; we only build documents
  saml.setSchemaValidator({ validate: () => Promise.resolve('skipped') });
  const { Constants, SamlLib } = saml;
  const post = Constants.namespace.binding.post;
  const idp = saml.IdentityProvider({
    entityID: job.issuer,
    privateKey: fs.readFileSync(job.key),
    signingCert: fs.readFileSync(job.cert, 'utf8').replace(/-----[^-]+-----|\s/g, ''),
    nameIDFormat: [PERSISTENT],
    requestSignatureAlgorithm: Constants.algorithms.signature.RSA_SHA256,
    singleSignOnService: [{ Binding: post, Location: job.issuer.replace(/\/$/, '') + '/sso' }],
  });
  fs.writeFileSync(job.metadata, idp.getMetadata());

  for (const spec of job.responses) {
    const sp = saml.ServiceProvider({
      entityID: spec.audience,
      assertionConsumerService: [{ Binding: post, Location: spec.recipient }],
      wantAssertionsSigned: spec.sign === 'assertion' || spec.sign === 'both',
      wantMessageSigned: spec.sign === 'response' || spec.sign === 'both',
    });
    const now = Number(spec.now);
    const values = {
      ID: newId(), AssertionID: newId(), SessionIndex: newId(), Issuer: job.issuer,
      IssueInstant: iso(now), NotBefore: iso(now - 60), NotOnOrAfter: iso(now + Number(spec.valid_seconds)),
      Destination: spec.recipient, Recipient: spec.recipient, Audience: spec.audience,
      NameIDFormat: PERSISTENT, NameID: spec.user, RoleSessionName: spec.session_name,
      SessionDuration: String(spec.session_duration),
    };
    const roleTags = spec.roles.map((role, i) => {
      values[`Role${i}`] = role;
      return `Role${i}`;
    });
    // replaceTagsByValue XML-escapes every value it puts in
    const filled = SamlLib.replaceTagsByValue(template(spec, roleTags), values);
    const { context } = await idp.createLoginResponse(sp, null, 'post', { email: spec.user }, {
      customTagReplacement: () => ({ id: values.ID, context: filled }),
    });
    fs.writeFileSync(spec.out + '.xml', Buffer.from(context, 'base64').toString('utf8'));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

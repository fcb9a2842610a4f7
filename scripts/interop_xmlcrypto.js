#!/usr/bin/env node
// Signs the assertion of SAML Responses with xml-crypto (node-saml's signer: its own exclusive
// c14n over @xmldom/xmldom, no libxml2), for scripts/interop.d/10-xmldsig.sh.
//
//   node interop_xmlcrypto.js KEY CERT SIGNATURE-METHOD DIGEST-METHOD IN OUT [IN OUT]...
//
// Each IN is a Response whose saml:Assertion (with an ID) has no Signature yet; OUT gets the
// Response with an enveloped ds:Signature (enveloped-signature + exc-c14n, exc-c14n
// canonicalization, X509Certificate in KeyInfo) right after the assertion's Issuer.
"use strict";
const fs = require("fs");
const { SignedXml } = require("xml-crypto");

const [key, cert, signatureAlgorithm, digestAlgorithm, ...files] = process.argv.slice(2);
if (!digestAlgorithm || files.length === 0 || files.length % 2 !== 0) {
  console.error("usage: interop_xmlcrypto.js KEY CERT SIGNATURE-METHOD DIGEST-METHOD IN OUT [IN OUT]...");
  process.exit(2);
}
const assertion = "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";
let failed = 0;
for (let i = 0; i < files.length; i += 2) {
  try {
    const sig = new SignedXml({
      privateKey: fs.readFileSync(key),
      publicCert: fs.readFileSync(cert),
      signatureAlgorithm,
      canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    });
    sig.addReference({
      xpath: assertion,
      digestAlgorithm,
      transforms: [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
      ],
    });
    sig.computeSignature(fs.readFileSync(files[i], "utf8"), {
      prefix: "ds",
      location: { reference: `${assertion}/*[local-name(.)='Issuer']`, action: "after" },
    });
    fs.writeFileSync(files[i + 1], sig.getSignedXml());
  } catch (err) {
    failed += 1;
    console.error(`xml-crypto could not sign ${files[i]}: ${err.message}`);
  }
}
process.exit(failed ? 1 : 0);

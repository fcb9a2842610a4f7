#!/usr/bin/env python3
"""Stage 20's boto3 half: IAM and AssumeRoleWithSAML through boto3 against a started fedgate.

  interop_sts_boto3.py --endpoint URL --account ID --work DIR --idps xmlsec1,pysaml2,samlify

The admin credentials come from the environment (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
AWS_PROFILE=fedgate). DIR/idp-<name>/ holds each IdP's responses, made by scripts/peers/idp.py
from the spec interop.d/20-iam-sts.sh wrote (names below). The providers interop-<idp> and the
role interop-connect exist already (the aws CLI made them); this script makes the roles
interop-unlisted (trusts every provider, named in no assertion) and interop-other (trusts only
the provider of the first IdP's neighbour).

Prints one line per failed check and ends with `boto3: N passed, N failed`.
"""
import argparse
import base64
import json
import os
import sys

import boto3
import botocore.config
from botocore.exceptions import ClientError

# AWS's codes, HTTP statuses and messages (reference/aws-behaviour.md §2.3, §2.5; docs/decisions.md
# for the STS choices where AWS is silent).
EXPECT = {
    "tampered": ("InvalidIdentityToken", 400, ["Response signature invalid"]),
    "expired": ("ExpiredTokenException", 400,
                ["Response has expired", "Token must be redeemed within 5 minutes of issuance"]),
    "audience": ("InvalidIdentityToken", 400, ["Response does not contain the required audience."]),
    # replay cache (fedgate's design; AWS's answer is unconfirmed)
    "replayed": ("InvalidIdentityToken", 400, ["Response has already been used"]),
    # (RoleArn, PrincipalArn) not a Role value (§2.3.9; AWS's text from public threads)
    "unlisted": ("InvalidIdentityToken", 400,
                 ["SAML Assertion doesn't contain the requested Role and Metadata in the attributes"]),
    # trust policy names another provider (§2.3.10)
    "other-provider": ("AccessDenied", 403, ["Not authorized to perform sts:AssumeRoleWithSAML"]),
    # issuer is not the provider's entityID (§2.3.4)
    "wrong-idp": ("InvalidIdentityToken", 400, ["Issuer not present in specified provider"]),
}

passed = 0
failed = 0


def ok():
    global passed
    passed += 1


def bad(message):
    global failed
    failed += 1
    print(f"FAIL: {message}", flush=True)


def read(path):
    with open(path, encoding="ascii") as f:
        return f.read().strip()


def tamper(path):
    """The response with its NameID changed after signing (base64)."""
    with open(path + ".xml", encoding="utf-8") as f:
        xml = f.read()
    changed = xml.replace(">alice<", ">mallory<", 1)
    if changed == xml:
        raise SystemExit(f"{path}.xml has no NameID alice to tamper with")
    return base64.b64encode(changed.encode("utf-8")).decode("ascii")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--account", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--idps", required=True)
    a = p.parse_args()
    idps = a.idps.split(",")
    account = a.account
    config = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
    session = boto3.Session()
    iam = session.client("iam", endpoint_url=a.endpoint, config=config)
    sts = session.client("sts", endpoint_url=a.endpoint, config=config)
    provider = lambda idp: f"arn:aws:iam::{account}:saml-provider/interop-{idp}"  # noqa: E731
    role = lambda name: f"arn:aws:iam::{account}:role/{name}"  # noqa: E731

    def check(label, fn):
        try:
            fn()
        except ClientError as e:
            bad(f"{label}: {e.response.get('Error', {}).get('Code')}: {e}")
        except Exception as e:  # noqa: BLE001 - a crash of one check is its failure
            bad(f"{label}: {type(e).__name__}: {e}")

    # --- IAM through boto3 ------------------------------------------------------------------
    def identity():
        r = sts.get_caller_identity()
        if r["Account"] != account or r["Arn"] != f"arn:aws:iam::{account}:root":
            raise AssertionError(f"unexpected admin identity {r}")
        ok()

    check("get_caller_identity (admin)", identity)

    def saml_trust(providers):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
            "Principal": {"Federated": providers if len(providers) > 1 else providers[0]},
            "Condition": {"StringEquals": {"SAML:aud": [
                f"{a.endpoint}/saml", "https://signin.aws.amazon.com/saml"]}}}]})

    other_idp = idps[1 % len(idps)]

    def roles():
        for name, providers in (("interop-unlisted", [provider(i) for i in idps]),
                                ("interop-other", [provider(other_idp)])):
            r = iam.create_role(RoleName=name, AssumeRolePolicyDocument=saml_trust(providers))
            if r["Role"]["Arn"] != role(name) or not r["Role"]["RoleId"].startswith("AROA"):
                raise AssertionError(f"create_role answered {r['Role']}")
            got = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
            if got != json.loads(saml_trust(providers)):
                raise AssertionError(f"get_role gave back another trust policy: {got}")
            ok()

    check("create_role / get_role", roles)

    def providers_listed():
        arns = {p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]}
        missing = {provider(i) for i in idps} - arns
        if missing:
            raise AssertionError(f"list_saml_providers misses {sorted(missing)}")
        for idp in idps:
            got = iam.get_saml_provider(SAMLProviderArn=provider(idp))
            with open(os.path.join(a.work, f"idp-{idp}", "idp-metadata.xml"), encoding="utf-8") as f:
                if got["SAMLMetadataDocument"].strip() != f.read().strip():
                    raise AssertionError(f"get_saml_provider {idp}: another metadata document")
        ok()

    check("list_saml_providers / get_saml_provider", providers_listed)

    def duplicate_provider():
        try:
            with open(os.path.join(a.work, f"idp-{idps[0]}", "idp-metadata.xml"), encoding="utf-8") as f:
                iam.create_saml_provider(Name=f"interop-{idps[0]}", SAMLMetadataDocument=f.read())
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code != "EntityAlreadyExists" or e.response["ResponseMetadata"]["HTTPStatusCode"] != 409:
                raise AssertionError(f"expected EntityAlreadyExists 409, got {code}") from e
            ok()
            return
        raise AssertionError("a second provider with the same name was created")

    check("create_saml_provider twice", duplicate_provider)

    # --- AssumeRoleWithSAML -------------------------------------------------------------------
    def assume(role_name, idp, assertion, principal_idp=None):
        return sts.assume_role_with_saml(
            RoleArn=role(role_name), PrincipalArn=provider(principal_idp or idp),
            SAMLAssertion=assertion, DurationSeconds=900)

    def accepted(label, idp, name, session_name, recipient):
        def run():
            path = os.path.join(a.work, f"idp-{idp}", f"{name}.b64")
            r = assume("interop-connect", idp, read(path))
            c = r["Credentials"]
            want_arn = f"arn:aws:sts::{account}:assumed-role/interop-connect/{session_name}"
            problems = []
            if not c["AccessKeyId"].startswith("ASIA"):
                problems.append(f"AccessKeyId {c['AccessKeyId']}")
            if r["AssumedRoleUser"]["Arn"] != want_arn:
                problems.append(f"Arn {r['AssumedRoleUser']['Arn']}")
            if not r["AssumedRoleUser"]["AssumedRoleId"].endswith(":" + session_name):
                problems.append(f"AssumedRoleId {r['AssumedRoleUser']['AssumedRoleId']}")
            if r.get("Subject") != "alice" or r.get("Issuer") != f"https://{idp}.idp.example.test/saml":
                problems.append(f"Subject {r.get('Subject')} Issuer {r.get('Issuer')}")
            if r.get("Audience") != recipient:
                problems.append(f"Audience {r.get('Audience')}")
            if problems:
                raise AssertionError("; ".join(problems))
            ok()
            federated = boto3.Session(aws_access_key_id=c["AccessKeyId"],
                                      aws_secret_access_key=c["SecretAccessKey"],
                                      aws_session_token=c["SessionToken"], region_name="us-east-1")
            who = federated.client("sts", endpoint_url=a.endpoint, config=config).get_caller_identity()
            if who["Arn"] != want_arn or who["UserId"] != r["AssumedRoleUser"]["AssumedRoleId"] \
                    or who["Account"] != account:
                raise AssertionError(f"get_caller_identity with the session: {who}")
            ok()

        check(label, run)

    def refused(label, case, call):
        want_code, want_status, want_messages = EXPECT[case]

        def run():
            try:
                r = call()
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code")
                status = e.response["ResponseMetadata"]["HTTPStatusCode"]
                message = e.response.get("Error", {}).get("Message") or ""
                if (code, status) != (want_code, want_status):
                    raise AssertionError(f"expected {want_code} ({want_status}), got {code} ({status}): "
                                         f"{message}") from e
                if not any(m in message for m in want_messages):
                    raise AssertionError(f"{code} with the message {message!r}, expected one of {want_messages}") from e
                ok()
                return
            raise AssertionError(f"accepted (expected {want_code}): {r.get('AssumedRoleUser')}")

        check(label, run)

    for idp in idps:
        d = os.path.join(a.work, f"idp-{idp}")
        accepted(f"{idp}: assume_role_with_saml + get_caller_identity (AWS sign-in recipient)",
                 idp, "boto3-ok", "alice-boto3", "https://signin.aws.amazon.com/saml")
        accepted(f"{idp}: assume_role_with_saml, the second of two Role values",
                 idp, "two-roles", "alice-picker", "https://signin.aws.amazon.com/saml")
        refused(f"{idp}: replayed after boto3 used it", "replayed",
                lambda d=d, idp=idp: assume("interop-connect", idp, read(f"{d}/boto3-ok.b64")))
        refused(f"{idp}: replayed after the aws CLI used it", "replayed",
                lambda d=d, idp=idp: assume("interop-connect", idp, read(f"{d}/cli-ok.b64")))
        refused(f"{idp}: NameID changed after signing", "tampered",
                lambda d=d, idp=idp: assume("interop-connect", idp, tamper(f"{d}/tampered.b64")))
        refused(f"{idp}: expired an hour ago", "expired",
                lambda d=d, idp=idp: assume("interop-connect", idp, read(f"{d}/expired.b64")))
        refused(f"{idp}: audience of another service provider", "audience",
                lambda d=d, idp=idp: assume("interop-connect", idp, read(f"{d}/audience.b64")))
        refused(f"{idp}: RoleArn not among the assertion's Role values", "unlisted",
                lambda d=d, idp=idp: assume("interop-unlisted", idp, read(f"{d}/unlisted.b64")))
        if idp != other_idp:
            refused(f"{idp}: role whose trust policy names another provider", "other-provider",
                    lambda d=d, idp=idp: assume("interop-other", idp, read(f"{d}/other-provider.b64")))
        wrong = idps[(idps.index(idp) + 1) % len(idps)]
        refused(f"{idp}: presented as {wrong}'s response", "wrong-idp",
                lambda d=d, idp=idp, wrong=wrong: assume("interop-connect", idp, read(f"{d}/wrong-idp.b64"),
                                                         principal_idp=wrong))

    print(f"boto3: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

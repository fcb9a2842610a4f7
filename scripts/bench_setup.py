#!/usr/bin/env python3
"""scripts/bench's set-up of one target (fedgate or moto_server), through boto3.

  bench_setup.py --endpoint URL --account ID --metadata FILE --recipient URL --out-dir DIR \
      [--assertion BODY-FILE]

Creates the SAML provider `bench-idp` from FILE and the role `bench` trusting it (SAML:aud =
URL) with an inline policy; with --assertion (a file whose first line is an AssumeRoleWithSAML
form body, as bench_responses.py writes) redeems its response once for role credentials. Writes GetCallerIdentity requests signed with SigV4 as botocore signs them, for
wrk to repeat: DIR/gci-admin.req (the credentials of the environment's profile) and
DIR/gci-session.req (the role session's), each header lines, an empty line, the body; and checks
each once. Prints a JSON summary. Exits 3 when the IAM or STS calls fail (GetCallerIdentity with
the profile's key was written and checked before them).
"""
import argparse
import json
import os
import sys
import urllib.parse
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.exceptions


def signed_request(endpoint, credentials, path):
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    host = endpoint.split("://", 1)[1]
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=endpoint + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Host": host})
    botocore.auth.SigV4Auth(credentials, "sts", "us-east-1").add_auth(request)
    with open(path, "w", encoding="ascii") as f:
        for name, value in request.headers.items():
            f.write(f"{name}: {value}\n")
        f.write("\n" + body)
    # the request as wrk will send it must be accepted
    check = urllib.request.Request(endpoint + "/", data=body.encode(), method="POST",
                                   headers=dict(request.headers.items()))
    with urllib.request.urlopen(check, timeout=30) as response:
        if response.status != 200:
            raise SystemExit(f"{path}: GetCallerIdentity answered {response.status}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--account", required=True)
    p.add_argument("--metadata", required=True)
    p.add_argument("--recipient", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--assertion")
    a = p.parse_args()
    config = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
    session = boto3.Session()
    iam = session.client("iam", endpoint_url=a.endpoint, config=config)
    sts = session.client("sts", endpoint_url=a.endpoint, config=config)
    os.makedirs(a.out_dir, exist_ok=True)
    signed_request(a.endpoint, session.get_credentials().get_frozen_credentials(),
                   os.path.join(a.out_dir, "gci-admin.req"))
    try:
        with open(a.metadata, encoding="utf-8") as f:
            provider = iam.create_saml_provider(Name="bench-idp", SAMLMetadataDocument=f.read())["SAMLProviderArn"]
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRoleWithSAML", "Principal": {"Federated": provider},
            "Condition": {"StringEquals": {"SAML:aud": a.recipient}}}]}
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName="bench", PolicyName="bench", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "connect:GetFederationToken", "Resource": "*"}]}))
        summary = {"provider": provider, "role": role}
        if a.assertion:
            with open(a.assertion, encoding="ascii") as f:
                assertion = urllib.parse.parse_qs(f.readline().strip())["SAMLAssertion"][0]
            r = sts.assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=assertion)
            c = r["Credentials"]
            federated = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                                      aws_session_token=c["SessionToken"])
            signed_request(a.endpoint, federated.get_credentials().get_frozen_credentials(),
                           os.path.join(a.out_dir, "gci-session.req"))
            summary["session"] = r["AssumedRoleUser"]["Arn"]
    except botocore.exceptions.ClientError as e:
        print(f"IAM/STS set-up failed, only GetCallerIdentity (admin) can be measured: {e}", file=sys.stderr)
        return 3
    json.dump(summary, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Drives every IAM action of a started `fedgate serve` with boto3 and checks the parsed shapes.

    python3 -m venv /tmp/iamvenv && /tmp/iamvenv/bin/pip install boto3==1.44.8
    /tmp/iamvenv/bin/python scripts/check-iam-wire.py [path/to/fedgate]

Starts `fedgate serve` on a free loopback port with a fresh data directory, uses the profile it
writes (`aws-config`, `aws-credentials`, profile `fedgate`), and checks what botocore parses:
types (datetimes, booleans, integers, lists), policy documents decoded to dicts by botocore's
`json_decode_policies`, error codes and HTTP statuses. Prints one line per check and a count;
exits 1 if any failed.
"""

import datetime
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.exceptions

ROOT = pathlib.Path(__file__).resolve().parent.parent
METADATA = (ROOT / "crates/saml/tests/corpus/metadata/idp.xml").read_text()
METADATA_2 = (ROOT / "crates/saml/tests/corpus/metadata/aggregate-10.xml").read_text()

results = {"ok": 0, "failed": 0}


def check(name, condition, detail=""):
    if condition:
        results["ok"] += 1
        print(f"ok      {name}")
    else:
        results["failed"] += 1
        print(f"FAILED  {name} {detail}")


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as error:
        return (
            error.response["Error"]["Code"],
            error.response["ResponseMetadata"]["HTTPStatusCode"],
            error.response["Error"]["Message"],
        )
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fedgate_binary():
    if len(sys.argv) > 1:
        return sys.argv[1]
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    return str(pathlib.Path(target) / "debug" / "fedgate")


def main():
    data_dir = tempfile.mkdtemp(prefix="fedgate-iam-wire.")
    port = free_port()
    server = subprocess.Popen(
        [fedgate_binary(), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir,
         "--public-url", f"http://127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        os.environ["AWS_CONFIG_FILE"] = os.path.join(data_dir, "aws-config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(data_dir, "aws-credentials")
        session = boto3.Session(profile_name="fedgate")
        run(session.client("iam"), session.client("sts"))
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"{results['ok']} ok, {results['failed']} failed")
    return 1 if results["failed"] else 0


def run(iam, sts):
    account = sts.get_caller_identity()["Account"]
    provider_arn = f"arn:aws:iam::{account}:saml-provider/Okta"
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }],
    }
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::bucket/a+b c%20/caf\u00e9"}],
    }

    # SAML providers
    created = iam.create_saml_provider(
        Name="Okta", SAMLMetadataDocument=METADATA, Tags=[{"Key": "team", "Value": "cc"}])
    check("CreateSAMLProvider arn", created["SAMLProviderArn"] == provider_arn, created)
    check("CreateSAMLProvider tags", created.get("Tags") == [{"Key": "team", "Value": "cc"}])
    got = iam.get_saml_provider(SAMLProviderArn=provider_arn)
    check("GetSAMLProvider metadata as stored", got["SAMLMetadataDocument"] == METADATA)
    check("GetSAMLProvider dates", isinstance(got["CreateDate"], datetime.datetime)
          and isinstance(got["ValidUntil"], datetime.datetime), got)
    check("GetSAMLProvider uuid", len(got["SAMLProviderUUID"]) >= 22)
    check("GetSAMLProvider lists", got["Tags"] == [{"Key": "team", "Value": "cc"}]
          and got["PrivateKeyList"] == [] and got["AssertionEncryptionMode"] == "Allowed", got)
    listed = iam.list_saml_providers()["SAMLProviderList"]
    check("ListSAMLProviders", [p["Arn"] for p in listed] == [provider_arn]
          and isinstance(listed[0]["ValidUntil"], datetime.datetime))
    updated = iam.update_saml_provider(SAMLProviderArn=provider_arn, SAMLMetadataDocument=METADATA_2)
    check("UpdateSAMLProvider", updated["SAMLProviderArn"] == provider_arn)
    got = iam.get_saml_provider(SAMLProviderArn=provider_arn)
    check("UpdateSAMLProvider ValidUntil from metadata",
          got["ValidUntil"] == datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc), got)
    iam.tag_saml_provider(SAMLProviderArn=provider_arn, Tags=[{"Key": "env", "Value": ""}])
    tags = iam.list_saml_provider_tags(SAMLProviderArn=provider_arn)
    check("TagSAMLProvider/ListSAMLProviderTags",
          tags["Tags"] == [{"Key": "env", "Value": ""}, {"Key": "team", "Value": "cc"}]
          and tags["IsTruncated"] is False, tags)
    iam.untag_saml_provider(SAMLProviderArn=provider_arn, TagKeys=["env"])
    tags = iam.list_saml_provider_tags(SAMLProviderArn=provider_arn)["Tags"]
    check("UntagSAMLProvider", tags == [{"Key": "team", "Value": "cc"}], tags)
    check("CreateSAMLProvider duplicate",
          error_of(iam.create_saml_provider, Name="Okta", SAMLMetadataDocument=METADATA)[:2]
          == ("EntityAlreadyExists", 409))
    error = error_of(iam.create_saml_provider, Name="Bad",
                     SAMLMetadataDocument=METADATA.replace("X509Certificate>", "X509Cert>"))
    check("CreateSAMLProvider invalid metadata", error is not None and error[0] == "InvalidInput",
          error)

    # roles
    role = iam.create_role(RoleName="ConnectAgent", Path="/connect/",
                           AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=43200,
                           Description="agents", Tags=[{"Key": "k", "Value": "v"}])["Role"]
    check("CreateRole decodes the trust policy", role["AssumeRolePolicyDocument"] == trust, role)
    check("CreateRole shape", role["RoleId"].startswith("AROA") and role["Path"] == "/connect/"
          and role["Arn"] == f"arn:aws:iam::{account}:role/connect/ConnectAgent"
          and isinstance(role["CreateDate"], datetime.datetime), role)
    got = iam.get_role(RoleName="ConnectAgent")["Role"]
    check("GetRole shape", got["MaxSessionDuration"] == 43200 and got["Description"] == "agents"
          and got["RoleLastUsed"] == {} and got["Tags"] == [{"Key": "k", "Value": "v"}], got)
    iam.update_role(RoleName="ConnectAgent", Description="updated", MaxSessionDuration=3600)
    got = iam.get_role(RoleName="ConnectAgent")["Role"]
    check("UpdateRole", got["Description"] == "updated" and got["MaxSessionDuration"] == 3600)
    check("UpdateRole range", error_of(iam.update_role, RoleName="ConnectAgent",
                                       MaxSessionDuration=43201)[:2] == ("ValidationError", 400))
    described = iam.update_role_description(RoleName="ConnectAgent", Description="described")
    check("UpdateRoleDescription returns the role",
          described["Role"]["Description"] == "described"
          and described["Role"]["RoleName"] == "ConnectAgent", described)
    iam.tag_role(RoleName="ConnectAgent", Tags=[{"Key": "K", "Value": "w"}, {"Key": "x", "Value": "y"}])
    role_tags = iam.list_role_tags(RoleName="ConnectAgent")
    check("TagRole/ListRoleTags (keys case-insensitive)",
          role_tags["Tags"] == [{"Key": "K", "Value": "w"}, {"Key": "x", "Value": "y"}]
          and role_tags["IsTruncated"] is False, role_tags)
    iam.untag_role(RoleName="ConnectAgent", TagKeys=["X", "K"])
    check("UntagRole", iam.list_role_tags(RoleName="ConnectAgent")["Tags"] == [])
    iam.tag_role(RoleName="ConnectAgent", Tags=[{"Key": "k", "Value": "v"}])
    trust2 = json.loads(json.dumps(trust).replace("Okta", "Entra"))
    iam.update_assume_role_policy(RoleName="ConnectAgent", PolicyDocument=json.dumps(trust2))
    check("UpdateAssumeRolePolicy",
          iam.get_role(RoleName="ConnectAgent")["Role"]["AssumeRolePolicyDocument"] == trust2)
    for i in range(5):
        iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(trust))
    page = iam.list_roles(MaxItems=2)
    check("ListRoles page", len(page["Roles"]) == 2 and page["IsTruncated"] is True
          and "Marker" in page, page.get("IsTruncated"))
    names = [r["RoleName"] for p in iam.get_paginator("list_roles").paginate(
        PaginationConfig={"PageSize": 2}) for r in p["Roles"]]
    check("ListRoles paginator", names == ["ConnectAgent", "r0", "r1", "r2", "r3", "r4"], names)
    prefixed = iam.list_roles(PathPrefix="/connect/")["Roles"]
    check("ListRoles PathPrefix", [r["RoleName"] for r in prefixed] == ["ConnectAgent"]
          and prefixed[0]["AssumeRolePolicyDocument"] == trust2)
    check("GetRole missing", error_of(iam.get_role, RoleName="Nobody")
          == ("NoSuchEntity", 404, "The role with name Nobody cannot be found."))
    check("CreateRole malformed", error_of(iam.create_role, RoleName="x",
                                           AssumeRolePolicyDocument="{")[:2]
          == ("MalformedPolicyDocument", 400))

    # inline policies
    iam.put_role_policy(RoleName="ConnectAgent", PolicyName="read", PolicyDocument=json.dumps(allow))
    got = iam.get_role_policy(RoleName="ConnectAgent", PolicyName="read")
    check("GetRolePolicy decodes the document", got["PolicyDocument"] == allow, got)
    check("ListRolePolicies", iam.list_role_policies(RoleName="ConnectAgent")["PolicyNames"]
          == ["read"])
    check("DeleteRole with inline policy", error_of(iam.delete_role, RoleName="ConnectAgent")
          == ("DeleteConflict", 409, "Cannot delete entity, must delete policies first."))
    iam.delete_role_policy(RoleName="ConnectAgent", PolicyName="read")
    check("DeleteRolePolicy", iam.list_role_policies(RoleName="ConnectAgent")["PolicyNames"] == [])

    # managed policies
    policy = iam.create_policy(PolicyName="AgentAccess", Path="/cc/",
                               PolicyDocument=json.dumps(allow), Description="d")["Policy"]
    policy_arn = f"arn:aws:iam::{account}:policy/cc/AgentAccess"
    check("CreatePolicy shape", policy["Arn"] == policy_arn and policy["PolicyId"].startswith("ANPA")
          and policy["DefaultVersionId"] == "v1" and policy["AttachmentCount"] == 0
          and policy["IsAttachable"] is True, policy)
    got = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    check("GetPolicy shape", got["Description"] == "d" and got["Tags"] == []
          and isinstance(got["UpdateDate"], datetime.datetime), got)
    version = iam.get_policy_version(PolicyArn=policy_arn, VersionId="v1")["PolicyVersion"]
    check("GetPolicyVersion decodes the document", version["Document"] == allow
          and version["IsDefaultVersion"] is True, version)
    versions = iam.list_policy_versions(PolicyArn=policy_arn)
    check("ListPolicyVersions", [(v["VersionId"], v["IsDefaultVersion"], "Document" in v)
                                 for v in versions["Versions"]] == [("v1", True, False)]
          and isinstance(versions["Versions"][0]["CreateDate"], datetime.datetime), versions)
    iam.tag_policy(PolicyArn=policy_arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    policy_tags = iam.list_policy_tags(PolicyArn=policy_arn)["Tags"]
    check("TagPolicy/ListPolicyTags (keys case-sensitive)",
          policy_tags == [{"Key": "A", "Value": "2"}, {"Key": "a", "Value": "1"}], policy_tags)
    iam.untag_policy(PolicyArn=policy_arn, TagKeys=["a", "A"])
    check("UntagPolicy", iam.list_policy_tags(PolicyArn=policy_arn)["Tags"] == [])
    check("ListPolicies Local", [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
          == ["AgentAccess"])
    check("ListPolicies AWS", iam.list_policies(Scope="AWS")["Policies"] == [])
    iam.attach_role_policy(RoleName="ConnectAgent", PolicyArn=policy_arn)
    attached = iam.list_attached_role_policies(RoleName="ConnectAgent")
    check("ListAttachedRolePolicies", attached["AttachedPolicies"]
          == [{"PolicyName": "AgentAccess", "PolicyArn": policy_arn}]
          and attached["IsTruncated"] is False, attached)
    check("ListPolicies OnlyAttached", [p["AttachmentCount"] for p in
                                        iam.list_policies(OnlyAttached=True)["Policies"]] == [1])
    check("DeletePolicy attached", error_of(iam.delete_policy, PolicyArn=policy_arn)
          == ("DeleteConflict", 409, "Cannot delete a policy attached to entities."))
    check("DeleteRole with attached policy", error_of(iam.delete_role, RoleName="ConnectAgent")
          == ("DeleteConflict", 409, "Cannot delete entity, must detach all policies first."))
    iam.detach_role_policy(RoleName="ConnectAgent", PolicyArn=policy_arn)
    check("DetachRolePolicy again", error_of(iam.detach_role_policy, RoleName="ConnectAgent",
                                             PolicyArn=policy_arn)
          == ("NoSuchEntity", 404, f"Policy {policy_arn} was not found."))
    iam.delete_policy(PolicyArn=policy_arn)
    check("DeletePolicy", error_of(iam.get_policy, PolicyArn=policy_arn)[:2] == ("NoSuchEntity", 404))
    iam.delete_role(RoleName="ConnectAgent")
    check("DeleteRole", error_of(iam.get_role, RoleName="ConnectAgent")[:2] == ("NoSuchEntity", 404))
    iam.delete_saml_provider(SAMLProviderArn=provider_arn)
    check("DeleteSAMLProvider", error_of(iam.get_saml_provider, SAMLProviderArn=provider_arn)
          == ("NoSuchEntity", 404, f"Manifest not found for arn {provider_arn}"))


if __name__ == "__main__":
    sys.exit(main())

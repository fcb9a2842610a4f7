#!/usr/bin/env python3
"""Writes and checks the SigV4 and awsQuery wire vectors of crates/server/tests/data/sigv4/.

Subcommands (run from the repository root):

  botocore              Sign STS, IAM and Connect requests with botocore's own signers
                        (SigV4Auth, SigV4QueryAuth via generate_presigned_url) at a fixed time
                        with fixed credentials, and write botocore.json. The Rust test
                        (crates/server/tests/sigv4.rs) verifies every request.
  aws-suite DIR         Transcribe AWS's published SigV4 test suite (the aws4_testsuite
                        directory, e.g. botocore's tests/unit/auth/aws4_testsuite) into
                        aws-suite.json: request, canonical request, string to sign, header.
  check-wire            Parse the golden wire documents (wire/*.xml, wire/*.json) with
                        botocore's own response parsers and check what botocore reads from
                        them: fedgate's renderers are tested byte-for-byte against these files.

Setup:  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install botocore==1.44.8
Usage:  /tmp/venv/bin/python scripts/gen-sigv4-vectors.py botocore
"""

import datetime
import json
import os
import sys
from unittest import mock

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "server", "tests", "data", "sigv4")

ACCESS_KEY = "AKIAFEDGATEEXAMPLE01"
SECRET_KEY = "fedgate/Example+Secret/Key0123456789abcd"
SESSION_ACCESS_KEY = "ASIAFEDGATEEXAMPLE02"
SESSION_SECRET = "session/Secret+Key/0123456789abcdefghijkl"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLE//token+with/slashes=="
SIGNED_AT = datetime.datetime(2026, 8, 30, 12, 36, 0, tzinfo=datetime.timezone.utc)
ENDPOINT = "http://127.0.0.1:4580"


def botocore_vectors():
    import botocore
    import botocore.session
    from botocore.awsrequest import AWSResponse

    captured = []

    def capture(request, **kwargs):
        parts = request.url.split("?", 1)
        path = parts[0][len(ENDPOINT):] or "/"
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = [[k, v.decode() if isinstance(v, bytes) else v] for k, v in request.headers.items()]
        # Unsigned headers that change on every run are pinned, so that a regeneration diffs
        # only where the signatures changed.
        pinned = {"user-agent": "Botocore/" + botocore.__version__, "amz-sdk-invocation-id": "00000000-0000-4000-8000-000000000000"}
        headers = [[k, pinned.get(k.lower(), v)] for k, v in headers]
        # The HTTP client adds Host as botocore signed it (botocore.auth._host_from_url).
        if not any(k.lower() == "host" for k, _ in headers):
            headers.append(["Host", ENDPOINT.split("://", 1)[1]])
        captured.append(
            {
                "method": request.method,
                "path": path,
                "query": parts[1] if len(parts) > 1 else "",
                "headers": headers,
                "body": body.decode("utf-8"),
            }
        )
        # Stop the call here: a 500 that botocore will not retry (max_attempts = 1).
        return AWSResponse(request.url, 500, {}, None)

    session = botocore.session.get_session()
    config = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})

    def client(service, key, secret, token=None, region="eu-west-3"):
        c = session.create_client(
            service,
            region_name=region,
            endpoint_url=ENDPOINT,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=config,
        )
        c.meta.events.register("before-send", capture)
        return c

    cases = []

    def call(name, service, fn, key=ACCESS_KEY, secret=SECRET_KEY, token=None):
        before = len(captured)
        try:
            fn()
        except Exception:  # noqa: BLE001 -- the stub answers 500 on purpose
            pass
        assert len(captured) == before + 1, name
        case = captured[-1]
        case.update(
            {
                "name": name,
                "service": service,
                "access_key_id": key,
                "secret_access_key": secret,
                "session_token": token,
            }
        )
        cases.append(case)

    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT.replace(tzinfo=None)):
        sts = client("sts", ACCESS_KEY, SECRET_KEY)
        call("sts-get-caller-identity", "sts", lambda: sts.get_caller_identity())
        sts_session = client("sts", SESSION_ACCESS_KEY, SESSION_SECRET, SESSION_TOKEN, region="us-east-1")
        call(
            "sts-get-caller-identity-session-token",
            "sts",
            lambda: sts_session.get_caller_identity(),
            SESSION_ACCESS_KEY,
            SESSION_SECRET,
            SESSION_TOKEN,
        )

        iam = client("iam", ACCESS_KEY, SECRET_KEY, region="us-east-1")
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta IdP"},
                        "Action": "sts:AssumeRoleWithSAML",
                        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
                    }
                ],
            }
        )
        call(
            "iam-create-role-with-tags",
            "iam",
            lambda: iam.create_role(
                RoleName="Agent+Role=1,2.@-_",
                Path="/connect/agents/",
                AssumeRolePolicyDocument=trust,
                Description="Agents: ünïcode & <markup> ~*'()!",
                MaxSessionDuration=43200,
                Tags=[{"Key": "team", "Value": "a b"}, {"Key": "cost/centre", "Value": "4+2=6"}],
            ),
        )
        call("iam-list-roles-path-prefix", "iam", lambda: iam.list_roles(PathPrefix="/connect/", MaxItems=5))

        connect = client("connect", ACCESS_KEY, SECRET_KEY, region="ap-southeast-2")
        instance = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
        call(
            "connect-describe-user",
            "connect",
            lambda: connect.describe_user(InstanceId=instance, UserId="user:with/odd chars"),
        )
        call(
            "connect-list-users-query",
            "connect",
            lambda: connect.list_users(InstanceId=instance, MaxResults=7, NextToken="tok/en+with=pad=="),
        )
        call(
            "connect-create-user-json-body",
            "connect",
            lambda: connect.create_user(
                InstanceId=instance,
                Username="jdoe@example.com",
                PhoneConfig={"PhoneType": "SOFT_PHONE"},
                SecurityProfileIds=["11111111-2222-3333-4444-555555555555"],
                RoutingProfileId="66666666-7777-8888-9999-000000000000",
                IdentityInfo={"FirstName": "Jöhn", "LastName": "Doe"},
            ),
        )
        connect_session = client("connect", SESSION_ACCESS_KEY, SESSION_SECRET, SESSION_TOKEN, region="us-west-2")
        call(
            "connect-get-federation-token-session",
            "connect",
            lambda: connect_session.get_federation_token(InstanceId=instance),
            SESSION_ACCESS_KEY,
            SESSION_SECRET,
            SESSION_TOKEN,
        )

        # Presigned (query) form, as used for STS GetCallerIdentity tokens.
        for name, c, key, secret, token, expires in [
            ("sts-presigned-get-caller-identity", sts, ACCESS_KEY, SECRET_KEY, None, 900),
            ("sts-presigned-session-token-7-days", sts_session, SESSION_ACCESS_KEY, SESSION_SECRET, SESSION_TOKEN, 604800),
        ]:
            # As `aws eks get-token` presigns it: a GET, every parameter in the query.
            url = c.generate_presigned_url("get_caller_identity", ExpiresIn=expires, HttpMethod="GET")
            path, query = url[len(ENDPOINT):].split("?", 1)
            cases.append(
                {
                    "name": name,
                    "service": "sts",
                    "method": "GET",
                    "path": path,
                    "query": query,
                    "headers": [["Host", "127.0.0.1:4580"]],
                    "body": "",
                    "access_key_id": key,
                    "secret_access_key": secret,
                    "session_token": token,
                }
            )

    document = {
        "comment": "Requests signed by botocore "
        + botocore.__version__
        + " (SigV4Auth; presigned: SigV4QueryAuth). Regenerate: scripts/gen-sigv4-vectors.py botocore",
        "signed_at": SIGNED_AT.strftime("%Y%m%dT%H%M%SZ"),
        "cases": cases,
    }
    write_json("botocore.json", document)


def aws_suite(directory):
    cases = []
    for root, _dirs, files in sorted(os.walk(directory)):
        for file in sorted(files):
            if not file.endswith(".sreq"):
                continue
            name = file[: -len(".sreq")]
            base = os.path.join(root, name)
            # The signed request (.sreq) is what a server receives: the request (.req) plus
            # Authorization, and any header added after signing (post-sts-header-after).
            with open(base + ".sreq", encoding="utf-8") as f:
                raw = f.read()
            head, _, body = raw.partition("\n\n")
            lines = head.split("\n")
            method, rest = lines[0].split(" ", 1)
            target = rest.rsplit(" ", 1)[0]  # drop " HTTP/1.1"; the path may contain spaces
            headers = []
            representable = True
            for line in lines[1:]:
                if not line:
                    continue
                if line.startswith((" ", "\t")):
                    representable = False  # obs-fold: no HTTP library hands this to a server
                    continue
                key, _, value = line.partition(":")
                if key.lower() != "authorization":
                    headers.append([key, value])
            path, _, query = target.partition("?")

            def read(ext):
                with open(base + ext, encoding="utf-8") as f:
                    return f.read()

            cases.append(
                {
                    "name": os.path.relpath(base, directory),
                    "representable": representable,
                    "method": method,
                    "path": path,
                    "query": query,
                    "headers": headers,
                    "body": body,
                    "canonical_request": read(".creq"),
                    "string_to_sign": read(".sts"),
                    "authorization": read(".authz"),
                }
            )
    document = {
        "comment": "AWS's published SigV4 test suite (Apache-2.0, Copyright Amazon.com, Inc.), "
        "transcribed with scripts/gen-sigv4-vectors.py aws-suite",
        "access_key_id": "AKIDEXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "region": "us-east-1",
        "service": "service",
        "signed_at": "20150830T123600Z",
        "cases": cases,
    }
    write_json("aws-suite.json", document)


def check_wire():
    """What botocore reads from the golden documents that fedgate's renderers must produce."""
    import botocore.session
    from botocore import handlers, parsers

    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    wire = os.path.join(OUT, "wire")
    with open(os.path.join(wire, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    for case in expected["cases"]:
        from botocore.model import ServiceModel

        model = ServiceModel(loader.load_service_model(case["service"], "service-2"), case["service"])
        operation = model.operation_model(case["operation"])
        with open(os.path.join(wire, case["file"]), "rb") as f:
            body = f.read()
        headers = case.get("headers", {})
        response = {"status_code": case["status"], "headers": headers, "body": body}
        parser = parsers.create_parser(model.metadata["protocol"])
        parsed = parser.parse(response, operation.output_shape)
        if case["status"] < 300:
            # As the client does after every call: URL-decode and load IAM policy documents.
            handlers.json_decode_policies(parsed, operation)
        got = json.loads(json.dumps(parsed, default=str))
        problem = subset_problem(case["parsed"], got, case["file"])
        if problem:
            sys.exit(problem)
        print(f"ok {case['file']}")


def subset_problem(want, got, path):
    """Where `want` is not contained in `got` (dicts by key, lists element by element)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: botocore read {got!r}, expected an object"
        for key, value in want.items():
            if key not in got:
                return f"{path}.{key}: missing from botocore's reading {got!r}"
            problem = subset_problem(value, got[key], f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path}: botocore read {got!r}, expected {want!r}"
        for i, (w, g) in enumerate(zip(want, got)):
            problem = subset_problem(w, g, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if want != got:
        return f"{path}: botocore read {got!r}, expected {want!r}"
    return None


def write_json(name, document):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    import botocore.config  # noqa: F401 -- fail early without botocore

    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "botocore":
        botocore_vectors()
    elif command == "aws-suite" and len(sys.argv) == 3:
        aws_suite(sys.argv[2])
    elif command == "check-wire":
        check_wire()
    else:
        sys.exit(__doc__)

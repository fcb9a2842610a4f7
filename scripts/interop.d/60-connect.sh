# shellcheck shell=bash
# Issue 6: the Connect API (restJson1, SigV4 service `connect`) with the real aws CLI and boto3:
# instance, profiles, users, search, updates, tags, delete, GetFederationToken refused for the
# administrator's key, and the chain: a SAML response signed by xmlsec1, AssumeRoleWithSAML and
# get-federation-token for alice (token), Alice and bob (UserNotFoundException), and a role
# without the permission (AccessDeniedException).
#
# Sourced by scripts/interop with FEDGATE, STAGE_TMP set. Uses the aws CLI and boto3 found on
# PATH / python3, or installs them (pip, into the stage's own venv) when missing.

passed=0
failed=0
check() { # check NAME COMMAND…: runs the command, counts the result
  local name="$1"
  shift
  if "$@" >"$STAGE_TMP/out" 2>"$STAGE_TMP/err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name" >&2
    sed 's/^/  /' "$STAGE_TMP/out" "$STAGE_TMP/err" >&2
  fi
}

py=python3
if ! command -v aws >/dev/null 2>&1 || ! python3 -c 'import boto3' 2>/dev/null; then
  python3 -m venv "$STAGE_TMP/venv"
  "$STAGE_TMP/venv/bin/pip" install -q --disable-pip-version-check awscli boto3
  PATH="$STAGE_TMP/venv/bin:$PATH"
  py="$STAGE_TMP/venv/bin/python"
fi

port=$((20000 + RANDOM % 20000))
data="$STAGE_TMP/data"
"$FEDGATE" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$STAGE_TMP/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
export AWS_CONFIG_FILE="$data/aws-config" AWS_SHARED_CREDENTIALS_FILE="$data/aws-credentials"
connect() { aws --profile fedgate connect "$@"; }

instance="$(connect create-instance --identity-management-type SAML --instance-alias interop \
  --inbound-calls-enabled --outbound-calls-enabled --query Id --output text)"
agent="$(connect list-security-profiles --instance-id "$instance" \
  --query "SecurityProfileSummaryList[?Name=='Agent'].Id" --output text)"
routing="$(connect list-routing-profiles --instance-id "$instance" \
  --query "RoutingProfileSummaryList[?Name=='Basic Routing Profile'].Id" --output text)"
check "cli: default profiles" test -n "$agent" -a -n "$routing"
check "cli: describe-instance" bash -c "aws --profile fedgate connect describe-instance \
  --instance-id $instance --query Instance.IdentityManagementType --output text | grep -qx SAML"
alice="$(connect create-user --instance-id "$instance" --username alice \
  --identity-info FirstName=Alice,LastName=Liddell --phone-config PhoneType=SOFT_PHONE \
  --security-profile-ids "$agent" --routing-profile-id "$routing" --query UserId --output text)"
check "cli: create-user (old clients send PhoneConfig)" test -n "$alice"
check "cli: describe-user" bash -c "aws --profile fedgate connect describe-user \
  --instance-id $instance --user-id $alice --query User.Username --output text | grep -qx alice"
check "cli: update-user-phone-config" connect update-user-phone-config --instance-id "$instance" \
  --user-id "$alice" --phone-config PhoneType=DESK_PHONE,DeskPhoneNumber=+14155550100,AutoAccept=true,AfterContactWorkTimeLimit=30
check "cli: get-federation-token refuses the administrator" bash -c "aws --profile fedgate \
  connect get-federation-token --instance-id $instance 2>&1 | grep -q 'cannot be used for federation'"
check "cli: invalid SAML username" bash -c "aws --profile fedgate connect create-user \
  --instance-id $instance --username bob@example --identity-info FirstName=B,LastName=C \
  --phone-config PhoneType=SOFT_PHONE --security-profile-ids $agent --routing-profile-id $routing \
  2>&1 | grep -q InvalidParameterException"

# boto3: the rest of the story, new-client shapes (no PhoneConfig), pagination, search, tags.
check "boto3: users, search, updates, tags, delete" "$py" - "$instance" "$agent" "$routing" <<'EOF'
import sys
import boto3
from botocore.exceptions import ClientError

instance, agent, routing = sys.argv[1:4]
c = boto3.Session(profile_name="fedgate").client("connect")
ids = {}
for name in ["bob", "carol", "ALICE", "dave@example.com"]:
    ids[name] = c.create_user(InstanceId=instance, Username=name, SecurityProfileIds=[agent],
                              RoutingProfileId=routing,
                              IdentityInfo={"FirstName": name, "LastName": "Test"})["UserId"]
try:
    c.create_user(InstanceId=instance, Username="bob", SecurityProfileIds=[agent],
                  RoutingProfileId=routing, IdentityInfo={"FirstName": "B", "LastName": "T"})
    raise SystemExit("duplicate accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "DuplicateResourceException", e.response
names = [u["Username"] for page in c.get_paginator("list_users").paginate(
    InstanceId=instance, PaginationConfig={"PageSize": 2}) for u in page["UserSummaryList"]]
assert sorted(names) == sorted(["alice", "bob", "carol", "ALICE", "dave@example.com"]), names
found = c.search_users(InstanceId=instance, SearchCriteria={"OrConditions": [
    {"StringCondition": {"FieldName": "Username", "Value": "alice", "ComparisonType": "EXACT"}},
    {"StringCondition": {"FieldName": "Username", "Value": "car", "ComparisonType": "STARTS_WITH"}},
]})
assert sorted(u["Username"] for u in found["Users"]) == ["alice", "carol"], found
assert found["ApproximateTotalCount"] == 2
admin = [p["Id"] for p in c.list_security_profiles(InstanceId=instance)["SecurityProfileSummaryList"]
         if p["Name"] == "Admin"][0]
c.update_user_security_profiles(InstanceId=instance, UserId=ids["bob"], SecurityProfileIds=[agent, admin])
c.update_user_identity_info(InstanceId=instance, UserId=ids["bob"],
                            IdentityInfo={"FirstName": "Robert", "LastName": "Test"})
c.update_user_routing_profile(InstanceId=instance, UserId=ids["bob"], RoutingProfileId=routing)
user = c.describe_user(InstanceId=instance, UserId=ids["bob"])["User"]
assert user["IdentityInfo"]["FirstName"] == "Robert" and len(user["SecurityProfileIds"]) == 2, user
c.tag_resource(resourceArn=user["Arn"], tags={"team": "blue"})
assert c.list_tags_for_resource(resourceArn=user["Arn"])["tags"] == {"team": "blue"}
c.delete_user(InstanceId=instance, UserId=ids["bob"])
try:
    c.describe_user(InstanceId=instance, UserId=ids["bob"])
    raise SystemExit("deleted user still there")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
sp = c.create_security_profile(InstanceId=instance, SecurityProfileName="Supervisors",
                               Permissions=["AccessMetrics", "Users.View"])
perms = c.list_security_profile_permissions(InstanceId=instance, SecurityProfileId=sp["SecurityProfileId"])
assert perms["Permissions"] == ["AccessMetrics", "Users.View"], perms
try:
    c.get_federation_token(InstanceId=instance)
    raise SystemExit("root federated")
except ClientError as e:
    assert "cannot be used for federation" in e.response["Error"]["Message"], e.response
EOF

# The chain: a SAML response signed by xmlsec1 with the test IdP's key, AssumeRoleWithSAML with
# the aws CLI (unsigned), then get-federation-token with the session's credentials.
key="crates/server/tests/data/sts/idp.key"
crt="crates/server/tests/data/sts/idp.crt"
account="$(aws --profile fedgate sts get-caller-identity --query Account --output text)"
cert_b64="$(grep -v -- ----- "$crt" | tr -d '\n')"
cat >"$STAGE_TMP/idp.xml" <<XML
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.test/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>$cert_b64</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>
XML
iam() { aws --profile fedgate iam "$@"; }
provider="$(iam create-saml-provider --name ExampleIdP --saml-metadata-document "file://$STAGE_TMP/idp.xml" \
  --query SAMLProviderArn --output text)"
trust="{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRoleWithSAML\",\"Principal\":{\"Federated\":\"$provider\"},\"Condition\":{\"StringEquals\":{\"SAML:aud\":\"http://127.0.0.1:$port/saml\"}}}}"
iam create-role --role-name ConnectAgent --assume-role-policy-document "$trust" >/dev/null
iam create-role --role-name NoConnect --assume-role-policy-document "$trust" >/dev/null
iam put-role-policy --role-name ConnectAgent --policy-name federate --policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"connect:GetFederationToken\",\"Resource\":\"arn:aws:connect:us-east-1:$account:instance/$instance/user/\${aws:userid}\"}]}"

# federate ROLE SESSION: prints the error code of get-federation-token, or OK.
serial=0
federate() {
  local role="$1" session="$2" now end id
  serial=$((serial + 1))
  id="_interop$serial$RANDOM"
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  end="$(date -u -d '+5 minutes' +%Y-%m-%dT%H:%M:%SZ)"
  cat >"$STAGE_TMP/response.xml" <<XML
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r$id" Version="2.0" IssueInstant="$now" Destination="http://127.0.0.1:$port/saml"><saml:Issuer>https://idp.example.test/saml</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="$id" Version="2.0" IssueInstant="$now"><saml:Issuer>https://idp.example.test/saml</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#$id"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">$session@example.test</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="$end" Recipient="http://127.0.0.1:$port/saml"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="$now" NotOnOrAfter="$end"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="$now"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>arn:aws:iam::$account:role/$role,$provider</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>$session</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>
XML
  xmlsec1 --sign --privkey-pem "$key,$crt" --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion \
    --output "$STAGE_TMP/signed.xml" "$STAGE_TMP/response.xml" 2>/dev/null
  local creds
  creds="$(aws --profile fedgate sts assume-role-with-saml --role-arn "arn:aws:iam::$account:role/$role" \
    --principal-arn "$provider" --saml-assertion "$(base64 -w0 "$STAGE_TMP/signed.xml")" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"
  local ak sk st
  read -r ak sk st <<<"$creds"
  env -u AWS_PROFILE AWS_ACCESS_KEY_ID="$ak" AWS_SECRET_ACCESS_KEY="$sk" AWS_SESSION_TOKEN="$st" \
    AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    aws --endpoint-url "http://127.0.0.1:$port" connect get-federation-token \
    --instance-id "$instance" --query SignInUrl --output text \
    >"$STAGE_TMP/federation.out" 2>&1 && { echo OK; return; }
  grep -o '([A-Za-z]*Exception)' "$STAGE_TMP/federation.out" | tr -d '()' | head -1
}
check "chain: alice gets a federation token" test "$(federate ConnectAgent alice)" = OK
check "chain: Alice is not the user alice" test "$(federate ConnectAgent Alice)" = UserNotFoundException
check "chain: bob has no user" test "$(federate ConnectAgent bob)" = UserNotFoundException
check "chain: a role without the permission" test "$(federate NoConnect alice)" = AccessDeniedException

kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
echo "connect: $passed passed, $failed failed"
((failed == 0))

# shellcheck shell=bash
# Stage 20 (issue 5): the real aws CLI (v1, PyPI) and boto3 against a started `fedgate serve`.
#  a. GetCallerIdentity with the administrator's profile from the data dir's aws-config files.
#  b. IAM by the aws CLI: a SAML provider from each peer IdP's own metadata (xmlsec1, pysaml2,
#     samlify), a role trusting them with the standard SAML trust policy (SAML:aud), an inline
#     role policy; get-role gives the documents back.
#  c. assume-role-with-saml by the aws CLI with a response from each IdP, then
#     get-caller-identity with the returned credentials; an expired response and a replayed one
#     get AWS's codes through the CLI too.
#  d. boto3 (scripts/interop_sts_boto3.py): more IAM, then per IdP a good response (AWS's own
#     sign-in URL as recipient) and one with two Role values, get_caller_identity with their
#     credentials, and the negative
#     cases with AWS's codes: replayed (twice), tampered, expired, wrong audience, RoleArn not in
#     the assertion, trust policy naming another provider, another IdP's provider.
# Sourced by scripts/interop with FEDGATE, FG_PY, STAGE_TMP set; cwd is the repository root.
# FEDGATE_INTEROP_KEEP=1 keeps the server's data dir and log (they are kept on failure anyway).

pass=0
fail=0
failures=()
ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  failures+=("$*")
  echo "FAIL: $*"
}

# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh
fg_need_aws_clients
fg_need_samlify

ACCOUNT=123456789012
IDPS=(xmlsec1 pysaml2 samlify)
work="$STAGE_TMP"
data="$work/data"

echo "-- starting fedgate serve"
port="$("$FG_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
endpoint="http://127.0.0.1:$port"
FEDGATE_ACCOUNT_ID=$ACCOUNT FEDGATE_AWS_RECIPIENTS=true FEDGATE_LOG=warn \
  "$FEDGATE" serve --listen "127.0.0.1:$port" --data-dir "$data" --public-url "$endpoint" \
  >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS "$endpoint/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.2
done
if ! curl -fsS "$endpoint/healthz" >/dev/null 2>&1; then
  bad "fedgate serve did not come up on $endpoint: $(tail -n 5 "$work/server.log")"
  echo "iam-sts: $pass passed, $fail failed"
  false
fi
echo "   $endpoint, data dir $data"

export AWS_CONFIG_FILE="$data/aws-config" AWS_SHARED_CREDENTIALS_FILE="$data/aws-credentials"
export AWS_PROFILE=fedgate AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_REGION AWS_ENDPOINT_URL

# json_get FILE PYTHON-EXPRESSION-OVER-d: prints the value (empty when the file is not JSON)
json_get() {
  "$FG_PY" -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2], {"d": d})
    print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
except Exception:
    pass' "$1" "$2"
}

# aws_ok LABEL OUT-FILE AWS-ARGS…: runs the aws CLI (profile fedgate, endpoint from aws-config);
# returns non-zero (and records a failure) when it fails
aws_ok() {
  local label=$1 out=$2 rc=0
  shift 2
  "$FG_AWS" "$@" >"$out" 2>"$work/aws.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    bad "$label: aws $1 $2 exited $rc: $(head -c 400 "$work/aws.err")"
    return 1
  fi
}

# aws_refused LABEL CODE AWS-ARGS…: the aws CLI must fail with "An error occurred (CODE)"
aws_refused() {
  local label=$1 code=$2 rc=0
  shift 2
  "$FG_AWS" "$@" >"$work/aws.out" 2>"$work/aws.err" || rc=$?
  if [[ $rc -ne 0 ]] && grep -q "An error occurred ($code)" "$work/aws.err"; then ok; else
    bad "$label: expected an error $code, got exit $rc: $(head -c 300 "$work/aws.out") $(head -c 300 "$work/aws.err")"
  fi
}

echo "-- a. the administrator's profile"
if aws_ok "get-caller-identity (admin)" "$work/whoami.json" sts get-caller-identity; then
  if [[ "$(json_get "$work/whoami.json" 'd["Account"] + " " + d["Arn"]')" == "$ACCOUNT arn:aws:iam::$ACCOUNT:root" ]]; then ok; else
    bad "get-caller-identity (admin): $(cat "$work/whoami.json")"
  fi
fi
if grep -q "^endpoint_url = $endpoint\$" "$AWS_CONFIG_FILE" && [[ "$(stat -c %a "$AWS_SHARED_CREDENTIALS_FILE")" == 600 ]]; then ok; else
  bad "aws-config has no endpoint_url = $endpoint, or aws-credentials is not mode 0600"
fi

echo "-- b. IAM with the aws CLI: providers from the IdPs' metadata, a role, its policy"
for idp in "${IDPS[@]}"; do
  "$FG_PY" scripts/peers/idp.py --idp "$idp" --dir "$work/idp-$idp" &
done
wait_ok=0
for job in $(jobs -p); do
  [[ $job == "$server_pid" ]] && continue
  wait "$job" || wait_ok=1
done
[[ $wait_ok -eq 0 ]] || bad "an IdP could not write its key and metadata"
setup_ok=1
for idp in "${IDPS[@]}"; do
  if aws_ok "create-saml-provider interop-$idp" "$work/provider-$idp.json" iam create-saml-provider \
    --name "interop-$idp" --saml-metadata-document "file://$work/idp-$idp/idp-metadata.xml"; then
    if [[ "$(json_get "$work/provider-$idp.json" 'd["SAMLProviderArn"]')" == "arn:aws:iam::$ACCOUNT:saml-provider/interop-$idp" ]]; then ok; else
      bad "create-saml-provider interop-$idp answered $(cat "$work/provider-$idp.json")"
    fi
  else
    setup_ok=0
  fi
done
"$FG_PY" - "$work" "$ACCOUNT" "$endpoint" "${IDPS[@]}" <<'PY'
import json, sys
work, account, endpoint, idps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
    "Principal": {"Federated": [f"arn:aws:iam::{account}:saml-provider/interop-{i}" for i in idps]},
    "Condition": {"StringEquals": {"SAML:aud": [f"{endpoint}/saml", "https://signin.aws.amazon.com/saml"]}}}]}
policy = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["connect:GetFederationToken", "sts:GetCallerIdentity"], "Resource": "*"}]}
json.dump(trust, open(f"{work}/trust-policy.json", "w"), indent=2)
json.dump(policy, open(f"{work}/role-policy.json", "w"), indent=2)
PY
if aws_ok "create-role interop-connect" "$work/role.json" iam create-role --role-name interop-connect \
  --assume-role-policy-document "file://$work/trust-policy.json" --max-session-duration 7200; then
  role_id="$(json_get "$work/role.json" 'd["Role"]["RoleId"]')"
  if [[ "$(json_get "$work/role.json" 'd["Role"]["Arn"]')" == "arn:aws:iam::$ACCOUNT:role/interop-connect" && $role_id == AROA* ]]; then ok; else
    bad "create-role answered $(cat "$work/role.json")"
  fi
else
  setup_ok=0
fi
if aws_ok "put-role-policy" "$work/put-policy.json" iam put-role-policy --role-name interop-connect \
  --policy-name connect-federation --policy-document "file://$work/role-policy.json"; then ok; else setup_ok=0; fi
if aws_ok "get-role" "$work/get-role.json" iam get-role --role-name interop-connect; then
  if [[ "$(json_get "$work/get-role.json" 'd["Role"]["AssumeRolePolicyDocument"]')" == "$(json_get "$work/trust-policy.json" 'd')" &&
    "$(json_get "$work/get-role.json" 'd["Role"]["MaxSessionDuration"]')" == 7200 ]]; then ok; else
    bad "get-role gave back $(head -c 600 "$work/get-role.json")"
  fi
fi
if aws_ok "get-role-policy" "$work/get-role-policy.json" iam get-role-policy --role-name interop-connect \
  --policy-name connect-federation; then
  if [[ "$(json_get "$work/get-role-policy.json" 'd["PolicyDocument"]')" == "$(json_get "$work/role-policy.json" 'd')" ]]; then ok; else
    bad "get-role-policy gave back $(head -c 600 "$work/get-role-policy.json")"
  fi
fi

if [[ $setup_ok -ne 1 ]]; then
  echo "   IAM setup failed: the SAML checks cannot run (see $work/server.log)"
else
  echo "-- c. responses from the three IdPs, then assume-role-with-saml with the aws CLI"
  for idp in "${IDPS[@]}"; do
    "$FG_PY" - "$work/idp-$idp" "$idp" "$ACCOUNT" "$endpoint" "${IDPS[@]}" <<'PY'
import json, sys, time
d, idp, account, endpoint, idps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
aws = "https://signin.aws.amazon.com/saml"
now = int(time.time())
provider = lambda i: f"arn:aws:iam::{account}:saml-provider/interop-{i}"
role = lambda r: f"arn:aws:iam::{account}:role/{r}"
pair = lambda r, i: f"{role(r)},{provider(i)}"
# signing shapes differ between IdPs so that assertion, response and both are all used
cli_sign, boto3_sign = {"xmlsec1": ("assertion", "both"), "pysaml2": ("response", "assertion"),
                        "samlify": ("both", "response")}[idp]
wrong = idps[(idps.index(idp) + 1) % len(idps)]
specs = [
    # the role's ARN second in the pair: AWS accepts either order
    {"name": "cli-ok", "session_name": "alice-cli", "sign": cli_sign, "audience": "urn:amazon:webservices",
     "recipient": f"{endpoint}/saml", "roles": [f"{provider(idp)},{role('interop-connect')}"]},
    {"name": "boto3-ok", "session_name": "alice-boto3", "sign": boto3_sign,
     "roles": [pair("interop-connect", idp)]},
    # two Role values: the call picks the second (AWS's role picker case)
    {"name": "two-roles", "session_name": "alice-picker",
     "roles": [pair("interop-unlisted", idp), pair("interop-connect", idp)]},
    {"name": "cli-expired", "now": now - 3600},
    {"name": "tampered"},
    {"name": "expired", "now": now - 3600},
    {"name": "audience", "audience": "https://sp.example.invalid/saml", "recipient": aws},
    {"name": "unlisted"},
    {"name": "other-provider", "roles": [pair("interop-other", idp)]},
    {"name": "wrong-idp", "roles": [pair("interop-connect", wrong)]},
]
out = []
for s in specs:
    s.setdefault("roles", [pair("interop-connect", idp)])
    s["out"] = f"{d}/{s.pop('name')}.b64"
    out.append(s)
json.dump(out, open(f"{d}/spec.json", "w"), indent=1)
PY
    "$FG_PY" scripts/peers/idp.py --idp "$idp" --dir "$work/idp-$idp" --spec "$work/idp-$idp/spec.json" &
  done
  wait_ok=0
  for job in $(jobs -p); do
    [[ $job == "$server_pid" ]] && continue
    wait "$job" || wait_ok=1
  done
  [[ $wait_ok -eq 0 ]] || bad "an IdP could not make its responses (see above)"

  for idp in "${IDPS[@]}"; do
    d="$work/idp-$idp"
    provider="arn:aws:iam::$ACCOUNT:saml-provider/interop-$idp"
    role="arn:aws:iam::$ACCOUNT:role/interop-connect"
    if aws_ok "$idp: assume-role-with-saml" "$d/cli-assume.json" sts assume-role-with-saml \
      --role-arn "$role" --principal-arn "$provider" --saml-assertion "file://$d/cli-ok.b64"; then
      want="arn:aws:sts::$ACCOUNT:assumed-role/interop-connect/alice-cli"
      got="$(json_get "$d/cli-assume.json" '" ".join([d["AssumedRoleUser"]["Arn"], d["Credentials"]["AccessKeyId"][:4], d["Subject"], d["Audience"], d["Issuer"]])')"
      if [[ "$got" == "$want ASIA alice $endpoint/saml https://$idp.idp.example.test/saml" ]]; then ok; else
        bad "$idp: assume-role-with-saml answered: $got"
      fi
      # the returned credentials, as a user exports them
      if AWS_ACCESS_KEY_ID="$(json_get "$d/cli-assume.json" 'd["Credentials"]["AccessKeyId"]')" \
        AWS_SECRET_ACCESS_KEY="$(json_get "$d/cli-assume.json" 'd["Credentials"]["SecretAccessKey"]')" \
        AWS_SESSION_TOKEN="$(json_get "$d/cli-assume.json" 'd["Credentials"]["SessionToken"]')" \
        aws_ok "$idp: get-caller-identity with the role session" "$d/cli-whoami.json" sts get-caller-identity; then
        if [[ "$(json_get "$d/cli-whoami.json" 'd["Arn"] + " " + d["UserId"]')" == "$want $role_id:alice-cli" ]]; then ok; else
          bad "$idp: get-caller-identity with the role session: $(cat "$d/cli-whoami.json")"
        fi
      fi
    fi
  done
  aws_refused "xmlsec1: expired response through the aws CLI" ExpiredTokenException sts assume-role-with-saml \
    --role-arn "arn:aws:iam::$ACCOUNT:role/interop-connect" --principal-arn "arn:aws:iam::$ACCOUNT:saml-provider/interop-xmlsec1" \
    --saml-assertion "file://$work/idp-xmlsec1/cli-expired.b64"
  aws_refused "pysaml2: replayed response through the aws CLI" InvalidIdentityToken sts assume-role-with-saml \
    --role-arn "arn:aws:iam::$ACCOUNT:role/interop-connect" --principal-arn "arn:aws:iam::$ACCOUNT:saml-provider/interop-pysaml2" \
    --saml-assertion "file://$work/idp-pysaml2/cli-ok.b64"
  echo "   aws CLI: $pass passed, $fail failed so far"

  echo "-- d. boto3"
  rc=0
  "$FG_PY" scripts/interop_sts_boto3.py --endpoint "$endpoint" --account "$ACCOUNT" --work "$work" \
    --idps "$(IFS=,; echo "${IDPS[*]}")" | tee "$work/boto3.out" || rc=$?
  line="$(grep -E '^boto3: [0-9]+ passed, [0-9]+ failed' "$work/boto3.out" | tail -n 1 || true)"
  if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    pass=$((pass + BASH_REMATCH[1]))
    fail=$((fail + BASH_REMATCH[2]))
    while read -r failure; do failures+=("${failure#FAIL: }"); done < <(grep '^FAIL: ' "$work/boto3.out" || true)
  elif [[ $rc -ne 0 ]]; then
    bad "boto3 run crashed (exit $rc)"
  fi
fi

if ! kill -0 "$server_pid" 2>/dev/null; then
  bad "fedgate serve died during the stage: $(tail -n 5 "$work/server.log")"
fi
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
if [[ $fail -eq 0 && "${FEDGATE_INTEROP_KEEP:-0}" != 1 ]]; then
  rm -rf "$data"
fi

echo
if ((${#failures[@]})); then
  echo "first failures:"
  printf '  %s\n' "${failures[@]:0:10}"
fi
echo "iam-sts: $pass passed, $fail failed"
[[ $fail -eq 0 ]]

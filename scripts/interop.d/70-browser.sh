# shellcheck shell=bash
# Stage 70 (issue 7): the web pages end to end in Debian's headless Chromium, driven by
# playwright-core (scripts/browser/journeys.js), against `fedgate demo`:
#  - alice: the dev IdP's page → her button → the CCP with her name; status Available, kept
#    across a reload;
#  - the role picker: a samlify-signed response with two Role values → AWS's picker DOM (§1.7);
#    the chosen role is the one used (the agent role → the CCP; a role without
#    connect:GetFederationToken → IAM's "Access denied" text);
#  - carol → "Access Denied. Your account has been authenticated, but has not been onboarded…";
#  - instance pages and the console without a session → "Session Expired";
#  - bob: user management, a CSV file upload (SAML template) creates users; a file with a bad
#    row shows the row's error and creates nobody;
#  - logout ends the instance and console sessions (cookies copied before it open nothing);
#  - a pysaml2-signed response posted from another origin (a file page, as an IdP portal) lands
#    on the CCP; the same response again is refused as a replay.
# The peer IdPs (scripts/peers/idp.py) are registered with the real aws CLI against fedgate's IAM
# (the data dir's aws-config), with their own roles.
#
# Sourced by scripts/interop with FEDGATE, FG_PY, STAGE_TMP set; cwd is the repository root.
# Screenshots, the posted pages, the CSV files and summary.txt go to $FEDGATE_INTEROP_OUT, by
# default <cargo target dir>/interop/70-browser (never into git). Installs Debian's chromium
# (apt-get, as root) and playwright-core (npm ci of scripts/browser/package-lock.json) if missing.

# shellcheck source=scripts/lib/peers.sh
. scripts/lib/peers.sh
fg_need_aws_clients
fg_need_samlify

ACCOUNT=123456789012
work="$STAGE_TMP"
data="$work/data"
out="${FEDGATE_INTEROP_OUT:-$(dirname "$(dirname "$FEDGATE")")/interop/70-browser}"
rm -rf "$out"
mkdir -p "$out"

# setup_failed MESSAGE: ends the stage (a subshell of scripts/interop; the EXIT trap stops the
# server). `exit`, not `false`: after `||` errexit would not apply.
setup_failed() {
  echo "FAIL: $*"
  echo "browser: 0 passed, 1 failed"
  exit 1
}

# Debian's Chromium (the peers README's recipe) and playwright-core, pinned by the lock file.
chromium_bin="$(command -v chromium || true)"
if [[ -z $chromium_bin ]]; then
  echo "installing chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  chromium_bin="$(command -v chromium)"
fi
browser_dir="scripts/browser"
if [[ "$(cd "$browser_dir" && node -p "require('playwright-core/package.json').version" 2>/dev/null)" != \
  "$(node -p "require('./$browser_dir/package.json').dependencies['playwright-core']")" ]]; then
  echo "installing playwright-core into $browser_dir/node_modules" >&2
  (cd "$browser_dir" && npm ci --no-audit --no-fund --silent >/dev/null)
fi
echo "   $("$chromium_bin" --version 2>/dev/null | head -n 1), playwright-core $(cd "$browser_dir" && node -p "require('playwright-core/package.json').version")"

echo "-- starting fedgate demo"
port="$("$FG_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
endpoint="http://127.0.0.1:$port"
FEDGATE_ACCOUNT_ID=$ACCOUNT FEDGATE_LOG=warn \
  "$FEDGATE" demo --listen "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS "$endpoint/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.2
done
if ! curl -fsS "$endpoint/dev-idp" >/dev/null 2>&1; then
  setup_failed "fedgate demo did not come up on $endpoint: $(tail -n 5 "$work/server.log")"
fi
echo "   $endpoint, data dir $data"

export AWS_CONFIG_FILE="$data/aws-config" AWS_SHARED_CREDENTIALS_FILE="$data/aws-credentials"
export AWS_PROFILE=fedgate AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_REGION AWS_ENDPOINT_URL
aws() { "$FG_AWS" "$@" 2>>"$work/aws.err"; }

instance="$(aws connect list-instances --query "InstanceSummaryList[?InstanceAlias=='demo'].Id" --output text)" ||
  setup_failed "aws connect list-instances: $(tail -n 3 "$work/aws.err")"
[[ $instance =~ ^[0-9a-f-]{36}$ ]] || setup_failed "no demo instance: \`$instance\`"
region="$(aws configure get region)"

echo "-- peer IdPs (pysaml2, samlify): responses, providers and roles in fedgate's IAM"
provider() { echo "arn:aws:iam::$ACCOUNT:saml-provider/browser-$1"; }
agent_role="arn:aws:iam::$ACCOUNT:role/PeerAgent"
noconnect_role="arn:aws:iam::$ACCOUNT:role/PeerNoConnect"
peers="$work/peers"
mkdir -p "$peers"
# spec IDP NAME ROLE… : one response for alice, for this server's ACS, signed by IDP
spec() {
  local idp=$1 name=$2
  shift 2
  local roles=() role
  for role in "$@"; do roles+=("\"$role,$(provider "$idp")\""); done
  printf '{"out": "%s/%s.b64", "user": "alice", "roles": [%s], "audience": "urn:amazon:webservices", "recipient": "%s/saml", "sign": "both"}' \
    "$peers" "$name" "$(IFS=,; echo "${roles[*]}")" "$endpoint"
}
echo "[$(spec pysaml2 pysaml2-agent "$agent_role")]" >"$work/spec-pysaml2.json"
echo "[$(spec samlify picker-agent "$noconnect_role" "$agent_role"), $(spec samlify picker-noconnect "$noconnect_role" "$agent_role")]" \
  >"$work/spec-samlify.json"
for idp in pysaml2 samlify; do
  "$FG_PY" scripts/peers/idp.py --idp "$idp" --dir "$work/idp-$idp" --issuer "https://$idp.browser.example.test/idp" \
    --spec "$work/spec-$idp.json" >"$work/idp-$idp.log" 2>&1 ||
    setup_failed "the $idp IdP: $(tail -n 5 "$work/idp-$idp.log")"
  aws iam create-saml-provider --name "browser-$idp" \
    --saml-metadata-document "file://$work/idp-$idp/idp-metadata.xml" >/dev/null ||
    setup_failed "create-saml-provider browser-$idp: $(tail -n 3 "$work/aws.err")"
done
trust="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRoleWithSAML\",\"Principal\":{\"Federated\":[\"$(provider pysaml2)\",\"$(provider samlify)\"]},\"Condition\":{\"StringEquals\":{\"SAML:aud\":\"$endpoint/saml\"}}}]}"
for role in PeerAgent PeerNoConnect; do
  aws iam create-role --role-name "$role" --assume-role-policy-document "$trust" >/dev/null ||
    setup_failed "create-role $role: $(tail -n 3 "$work/aws.err")"
done
aws iam put-role-policy --role-name PeerAgent --policy-name connect-federation --policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"connect:GetFederationToken\",\"Resource\":\"arn:aws:connect:$region:$ACCOUNT:instance/$instance/user/\${aws:userid}\"}]}" ||
  setup_failed "put-role-policy PeerAgent: $(tail -n 3 "$work/aws.err")"
printf '{"user": "alice", "agentRole": "%s", "noConnectRole": "%s"}\n' "$agent_role" "$noconnect_role" >"$peers/peers.json"

echo "-- journeys in headless Chromium (screenshots: $out)"
rc=0
FG_BASE="$endpoint" FG_CHROMIUM="$chromium_bin" FG_OUT="$out" FG_INSTANCE="$instance" FG_ACCOUNT="$ACCOUNT" \
  FG_PEERS="$peers" NODE_PATH="$PWD/$browser_dir/node_modules" \
  node "$browser_dir/journeys.js" || rc=$?

kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
cp "$work/server.log" "$out/server.log"
if [[ $rc -ne 0 ]]; then
  echo "   failed: see $out/summary.txt, the screenshots beside it and $out/server.log"
fi
[[ $rc -eq 0 ]]

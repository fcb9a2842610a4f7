# shellcheck shell=bash
# Shared by scripts/bench and scripts/bench-ab: the tools, the build, the IdP, pre-signed
# responses and one wrk measurement. Source it after scripts/lib/peers.sh; do not run it.
#
#   fg_bench_tools       wrk (apt), the venv with boto3 and botocore
#   fg_bench_build       builds fedgate --release; sets FEDGATE
#   fg_bench_tmp         a temp folder $tmp, removed at exit (kept with FEDGATE_BENCH_KEEP=1);
#                        servers whose pids are added to the array pids are stopped at exit
#   fg_bench_idp         an IdP key, certificate and metadata in $tmp; sets ISSUER
#   make_responses, run_wrk, cpu_ticks, free_port, wait_up, load: see below
#
# Uses $here (scripts/), $root, $threads, $connections, $seconds and $ACCOUNT of the script.

fg_bench_tools() {
  fg_need_apt
  fg_need_venv
  fg_need_aws_clients
  if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  fi
}

fg_bench_build() {
  echo "== building fedgate (release)"
  cargo build --release -p fedgate --locked --quiet --manifest-path "$root/Cargo.toml"
  target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
    "$FG_PY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  FEDGATE="$target_dir/release/fedgate"
}

fg_bench_tmp() {
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/fedgate-bench.XXXXXX")"
  pids=()
  cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ "${FEDGATE_BENCH_KEEP:-0}" == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
  }
  trap cleanup EXIT
}

free_port() { "$FG_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { # URL PID LOG
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "server exited: $(tail -n 5 "$3")" >&2; return 1; }
    sleep 0.2
  done
  echo "server did not come up: $(tail -n 5 "$3")" >&2
  return 1
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

fg_machine() { echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)"; }

fg_bench_idp() {
  echo "== IdP key and metadata"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=fedgate bench IdP" \
    -keyout "$tmp/idp.key" -out "$tmp/idp.crt" 2>/dev/null
  ISSUER=https://bench.idp.example.test/saml
  cat >"$tmp/idp-metadata.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="$ISSUER">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>$(grep -v -- ----- "$tmp/idp.crt" | tr -d '\n')</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://bench.idp.example.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
XML
}

# make_responses NAME RECIPIENT COUNT: NAME.0 … NAME.(threads-1), checked with xmlsec1
make_responses() {
  "$FG_PY" "$here/bench_responses.py" --key "$tmp/idp.key" --cert "$tmp/idp.crt" --issuer "$ISSUER" \
    --recipient "$2" --role "arn:aws:iam::$ACCOUNT:role/bench" \
    --provider "arn:aws:iam::$ACCOUNT:saml-provider/bench-idp" --count "$3" --files "$threads" \
    --out-prefix "$tmp/$1"
  xmlsec1 --verify --trusted-pem "$tmp/idp.crt" --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion \
    --node-xpath "//*[local-name()='Assertion']/*[local-name()='Signature']" "$tmp/$1.sample.xml" >/dev/null 2>&1 ||
    { echo "xmlsec1 does not verify the generated responses" >&2; return 1; }
}

# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clk_tck="$(getconf CLK_TCK)"

# run_wrk LABEL URL SERVER-PID ENV=VALUE…: one measurement; appends "LABEL<TAB>json" to
# $tmp/results, with the server's CPU time per call (what the rate would be on idle cores
# follows from it, whatever else the machine runs)
run_wrk() {
  local label=$1 url=$2 pid=$3
  shift 3
  echo "-- $label"
  local cpu0
  cpu0="$(cpu_ticks "$pid")"
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f "%U %S" -o "$tmp/wrk.time")
  echo "0 0" >"$tmp/wrk.time"
  env "$@" "${timer[@]}" wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s -s "$here/bench.lua" "$url" \
    >"$tmp/wrk.out" 2>"$tmp/wrk.err" || true
  local cpu=$(($(cpu_ticks "$pid") - cpu0))
  local client_cpu
  client_cpu="$(awk 'NR == 1 {printf "%.2f", $1 + $2}' "$tmp/wrk.time")"
  local line
  line="$(grep '^bench-result ' "$tmp/wrk.out" | tail -n 1 | cut -d' ' -f2-)"
  if [[ -z $line ]]; then
    echo "   wrk failed: $(head -c 400 "$tmp/wrk.err") $(head -c 400 "$tmp/wrk.out")"
    line='{"requests": 0, "http_errors": 0, "socket_errors": 0, "duration_us": 1, "p50_us": 0, "p90_us": 0, "p99_us": 0, "max_us": 0}'
  fi
  line="${line%\}}, \"server_cpu_s\": $(awk -v t="$cpu" -v h="$clk_tck" 'BEGIN {printf "%.2f", t / h}'), \"client_cpu_s\": $client_cpu}"
  [[ -s "$tmp/wrk.err" ]] && sed 's/^/   /' "$tmp/wrk.err" | head -n 3
  printf '%s\t%s\n' "$label" "$line" >>"$tmp/results"
  "$FG_PY" -c 'import json, sys
r = json.loads(sys.argv[1])
n = max(r["requests"], 1)
print("   %.0f calls/s  (%d in %.2f s; HTTP errors %d, socket errors %d)  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms"
      "\n   server CPU %.2f s = %.0f us/call; client (wrk) CPU %.2f s = %.0f us/call" % (
    r["requests"] / (r["duration_us"] / 1e6), r["requests"], r["duration_us"] / 1e6, r["http_errors"],
    r["socket_errors"], r["p50_us"] / 1e3, r["p90_us"] / 1e3, r["p99_us"] / 1e3,
    r["server_cpu_s"], r["server_cpu_s"] * 1e6 / n, r["client_cpu_s"], r["client_cpu_s"] * 1e6 / n))' "$line"
}

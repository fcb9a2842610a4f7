#!/usr/bin/env bash
# Benchmark of `fedgate users import` (issue 6): 100,000 users from the SAML template into a
# SAML instance on SQLite, in one transaction. Target: at most 10 s, memory flat (streamed).
#
#   scripts/bench-import.sh            # 100000 users, and 10000 for the memory comparison
#   scripts/bench-import.sh 50000      # another size
#
# Builds fedgate (release), starts `fedgate serve` on a temporary data directory, creates the
# instance with the aws CLI (the Connect API, SigV4 service `connect`), stops the server, then
# times the import with /usr/bin/time (elapsed and peak resident memory). Prints the figures and
# the ratios they are judged by: seconds / 10 (≤ 1 passes) and peak memory at N users over
# peak memory at N/10 users (close to 1 means flat).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
rows="${1:-100000}"
small=$((rows / 10))

command -v aws >/dev/null || { echo "bench-import: needs the aws CLI" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-import: needs /usr/bin/time (GNU time)" >&2; exit 2; }

cargo build --release -p fedgate --locked --quiet --manifest-path "$root/Cargo.toml"
target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
fedgate="$target_dir/release/fedgate"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fedgate-bench-import.XXXXXX")"
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))

# A fresh data directory with one SAML instance; prints the instance id.
make_instance() {
  local dir="$1" alias="$2"
  "$fedgate" serve --data-dir "$dir" --listen "127.0.0.1:$port" >"$dir.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  AWS_CONFIG_FILE="$dir/aws-config" AWS_SHARED_CREDENTIALS_FILE="$dir/aws-credentials" \
    aws --profile fedgate connect create-instance --identity-management-type SAML \
    --instance-alias "$alias" --inbound-calls-enabled --outbound-calls-enabled \
    --query Id --output text
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

make_csv() {
  python3 - "$1" "$2" <<'EOF'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("first name,last name,user login,routing profile name,"
            "security_profile_name_1|security_profile_name_2,phone type (soft/desk),"
            "phone number,soft phone auto accept (yes/no),ACW timeout (seconds)\n")
    for i in range(rows):
        desk = i % 10 == 0
        f.write(f"First{i},Last{i},agent{i:07d}@example.com,Basic Routing Profile,"
                f"Agent|QualityAnalyst,{'desk' if desk else 'soft'},"
                f"{'+1415555%04d' % (i % 10000) if desk else ''},yes,30\n")
EOF
}

# Imports N users into a fresh instance; prints "seconds peak_kib".
run() {
  local n="$1" dir="$tmp/data-$1"
  local id
  id="$(make_instance "$dir" "bench$1")"
  make_csv "$n" "$tmp/users-$n.csv"
  /usr/bin/time -f "%e %M" -o "$tmp/time-$n" \
    "$fedgate" users import --data-dir "$dir" --instance "$id" "$tmp/users-$n.csv" >/dev/null 2>"$tmp/import-$n.log" ||
    { cat "$tmp/import-$n.log" >&2; exit 1; }
  cat "$tmp/time-$n"
}

read -r small_seconds small_kib < <(run "$small")
read -r seconds kib < <(run "$rows")
db_mib=$(du -m "$tmp/data-$rows/fedgate.db" | cut -f1)
python3 - "$rows" "$seconds" "$kib" "$small" "$small_seconds" "$small_kib" "$db_mib" <<'EOF'
import sys
rows, seconds, kib, small, small_seconds, small_kib, db = sys.argv[1:]
rows, seconds, kib, small, small_seconds, small_kib = int(rows), float(seconds), int(kib), int(small), float(small_seconds), int(small_kib)
print(f"import {rows} users: {seconds:.2f} s ({rows / seconds:,.0f} users/s), peak RSS {kib / 1024:.1f} MiB, database {db} MiB")
print(f"import {small} users: {small_seconds:.2f} s, peak RSS {small_kib / 1024:.1f} MiB")
print(f"ratio time/target(10 s): {seconds / 10:.2f}  (<= 1 passes)")
print(f"ratio peak memory {rows}/{small}: {kib / small_kib:.2f}  (flat when close to 1)")
EOF

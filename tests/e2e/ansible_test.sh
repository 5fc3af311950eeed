#!/usr/bin/env bash
# The Ansible role contrib/ansible/roles/hotswap_patch, run with ansible-playbook against
# localhost and four processes of the e2e program `rollout` (v1: `compute` answers 11; with
# the patch v1-v2: 110), a build no other test runs:
#   1. a signed patch and a passing health check: every process takes the patch; a second
#      run changes nothing;
#   2. a health check that fails after the canary, then one that fails only after the
#      full rollout: the play fails and says what it reverted; every process is back at v1;
#   3. a patch signed by an untrusted key, and an unsigned one: refused before any process
#      is touched; the trusted copy on the host is not replaced; and the trusted copy once
#      its key is no longer trusted: refused too.
#   ansible_test.sh HOTSWAP_TOOL E2E_OUT
# Every apply --all patches every process of the build the tool can reach: no other test
# may run `rollout`.
set -euo pipefail
tool=$1 e2e_out=$(cd "$2" && pwd)
[[ $tool == */* ]] && tool=$(cd "$(dirname "$tool")" && pwd)/$(basename "$tool")
here=$(cd "$(dirname "$0")" && pwd)
roles=$(cd "$here/../../contrib/ansible/roles" && pwd)
program=$e2e_out/rollout/v1
patch=$e2e_out/rollout/v1-v2.hsp
count=4

work=$(mktemp -d "${TMPDIR:-/tmp}/hotswap-ansible.XXXXXX")
pids=() fds=()
cleanup() {
  local fd pid
  for fd in "${fds[@]}"; do exec {fd}>&-; done  # EOF: the programs leave on their own
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "ansible_test: FAILED: $*" >&2
  [[ -n ${log:-} && -f $log ]] && { echo "--- $log" >&2; cat "$log" >&2; }
  exit 1
}

# The program and the tool find each other's control directory through XDG_RUNTIME_DIR.
export XDG_RUNTIME_DIR=$work/run
mkdir -m 0700 "$XDG_RUNTIME_DIR" "$work/controller" "$work/host"

# ask I COMMAND: process I's answer (stdin a fifo the test holds open, stdout a file).
cat > "$work/ask.sh" <<'EOF'
ask() {
  local in=$work/in.$1 out=$work/out.$1 before tries
  before=$(wc -l < "$out")
  echo "$2" > "$in"
  for ((tries = 0; tries < 100; tries++)); do
    (( $(wc -l < "$out") > before )) && { sed -n "$((before + 1))p" "$out"; return 0; }
    sleep 0.05
  done
  echo "no answer from process $1 to $2" >&2
  return 1
}
EOF
# shellcheck source=/dev/null
source "$work/ask.sh"

# apply --all would patch them too, and the counts below would not hold. Exit code 3 is
# "no process runs the build"; any other means there are some, reachable or not.
others=$("$tool" status --all "$program" 2>&1) && status_rc=0 || status_rc=$?
((status_rc == 3)) || fail "other processes run $program (no other test may run it):"$'\n'"$others"

for ((i = 0; i < count; i++)); do
  mkfifo "$work/in.$i"
  "$program" < "$work/in.$i" > "$work/out.$i" 2>&1 &
  pids+=($!)
  exec {fd}>"$work/in.$i"
  fds+=("$fd")
done
for ((i = 0; i < count; i++)); do
  [[ $(ask "$i" pid) == "${pids[i]}" ]] || fail "process $i did not start: $(cat "$work/out.$i")"
done

# The health command of runs 1 and 2b: every process answers `compute` (11 or 110), and at
# most MAX of them run the patch (2b: 1, which the canary passes and the full rollout not).
cat > "$work/health.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
work=$work count=$count max=\${1:-$count} patched=0
source "\$work/ask.sh"
for ((i = 0; i < count; i++)); do
  answer=\$(ask "\$i" compute)
  case \$answer in
    11) ;;
    110) patched=\$((patched + 1)) ;;
    *) echo "process \$i answers compute with '\$answer'" >&2; exit 1 ;;
  esac
done
(( patched <= max )) || { echo "\$patched processes run the patch, at most \$max may" >&2; exit 1; }
EOF
chmod +x "$work/health.sh"

# A signed patch, the trusted keys on the "host", and patches the host must refuse.
cd "$work/controller"
mkdir trusted untrusted unsigned
cp "$patch" trusted/v1-v2.hsp
cp "$patch" untrusted/v1-v2.hsp
cp "$patch" unsigned/v1-v2.hsp
"$tool" keygen -o key > /dev/null || fail "keygen"
"$tool" keygen -o other-key > /dev/null || fail "keygen of a second key"
"$tool" sign trusted/v1-v2.hsp --key key > /dev/null || fail "sign"
"$tool" sign untrusted/v1-v2.hsp --key other-key > /dev/null || fail "sign with the second key"
cp key.pub "$work/host/trusted-keys"
"$tool" verify trusted/v1-v2.hsp --trusted-keys "$work/host/trusted-keys" > /dev/null ||
  fail "verify refuses the patch signed by the trusted key"

export ANSIBLE_ROLES_PATH=$roles ANSIBLE_HOME=$work/ansible
export ANSIBLE_LOCAL_TEMP=$work/ansible/tmp ANSIBLE_REMOTE_TEMP=$work/ansible/remote-tmp
export ANSIBLE_CONFIG=$work/ansible.cfg  # empty: no ansible.cfg of the user's applies
export ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
export ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_DEPRECATION_WARNINGS=False
: > "$ANSIBLE_CONFIG"
cat > "$work/playbook.yml" <<'EOF'
- name: Roll a hotswap patch onto the local processes
  hosts: all
  gather_facts: false
  roles:
    - hotswap_patch
EOF

# play NAME PATCH HEALTH-COMMAND [TOOL]: runs the role; its output is in $work/NAME.log (= $log).
play() {
  local name=$1 patch_file=$2 health=$3 role_tool=${4:-$tool}
  log=$work/$name.log
  cat > "$work/$name.json" <<EOF
{
  "hotswap_tool": "$role_tool",
  "hotswap_binary": "$program",
  "hotswap_patch": "$patch_file",
  "hotswap_patch_dir": "$work/host/patches",
  "hotswap_trusted_keys": "$work/host/trusted-keys",
  "hotswap_canary": 1,
  "hotswap_health_command": "$health",
  "hotswap_health_retries": 1,
  "hotswap_health_delay": 0,
  "hotswap_environment": {"XDG_RUNTIME_DIR": "$XDG_RUNTIME_DIR"}
}
EOF
  ansible-playbook -v -i localhost, -c local "$work/playbook.yml" -e "@$work/$name.json" > "$log" 2>&1
}

# patches PID: how many patches the process's version chain has.
patches() {
  local status
  status=$("$tool" status "$1") || fail "hotswap status $1"
  grep -cE '^[[:space:]]*patch[[:space:]]' <<< "$status" || true
}

# expect_all ANSWER PATCHES: every process answers compute with ANSWER and has PATCHES patches.
expect_all() {
  local i answer n
  for ((i = 0; i < count; i++)); do
    answer=$(ask "$i" compute) || fail "process $i (pid ${pids[i]}) does not answer"
    [[ $answer == "$1" ]] || fail "process $i (pid ${pids[i]}) answers compute with $answer, not $1"
    n=$(patches "${pids[i]}")
    [[ $n == "$2" ]] || fail "process $i (pid ${pids[i]}) has $n patches, not $2: $("$tool" status "${pids[i]}")"
  done
}

expect_log() {  # expect_log REGEX WHAT
  grep -qE -- "$1" "$log" || fail "$2: the output has no match for /$1/"
}

# 1. Success: the canary, then the rest; all healthy.
play run1 "$work/controller/trusted/v1-v2.hsp" "$work/health.sh" || fail "run 1 (healthy) failed"
expect_all 110 1
expect_log "$count processes: 1 applied, 0 already, 0 failed, $((count - 1)) left" "run 1, the canary"
expect_log "$count processes: $((count - 1)) applied, 1 already, 0 failed" "run 1, the full rollout"
expect_log "localhost *: ok=[0-9]+ +changed=[1-9]" "run 1 changes the host"

# 1b. Again: nothing to do, nothing changed.
play run1b "$work/controller/trusted/v1-v2.hsp" "$work/health.sh" || fail "run 1b (again) failed"
expect_all 110 1
expect_log "$count processes: 0 applied, $count already, 0 failed" "run 1b, every process already"
expect_log "localhost *: ok=[0-9]+ +changed=0 " "run 1b changes nothing"

# 1c. Every process already has the patch, from run 1, and the health check fails: this
# run applied nothing, so it reverts nothing; the earlier rollout stands.
if play run1c "$work/controller/trusted/v1-v2.hsp" false; then fail "run 1c (health fails) succeeded"; fi
expect_log "failed while rolling out .*reverted 0 processes" "run 1c reverts nothing it did not apply"
expect_all 110 1

# Back to v1 with the per-process command, for the failing runs.
for pid in "${pids[@]}"; do "$tool" revert "$pid" > /dev/null || fail "revert $pid"; done
expect_all 11 0

# 2. The health check fails after the canary: the canary is reverted.
if play run2 "$work/controller/trusted/v1-v2.hsp" false; then fail "run 2 (health fails) succeeded"; fi
expect_log "failed while rolling out .*reverted 1 processes" "run 2 reports the revert"
expect_all 11 0

# 2b. The health check passes the canary and fails after the full rollout: all reverted.
if play run2b "$work/controller/trusted/v1-v2.hsp" "$work/health.sh 1"; then
  fail "run 2b (health fails after the full rollout) succeeded"
fi
expect_log "failed while rolling out .*reverted $count processes" "run 2b reports the revert"
expect_all 11 0

# 2c. The full rollout's answer is cut short (not JSON): the rescue cannot tell which
# processes this run patched, and reverts the patch wherever it is on top.
cat > "$work/cut-tool.sh" <<EOF
#!/usr/bin/env bash
# The real tool, but the answer of an apply --all without --limit is cut after 20 bytes.
if [[ \$1 == apply && \$2 == --all && " \$* " != *" --limit "* ]]; then
  "$tool" "\$@" | head -c 20
  exit 1
fi
exec "$tool" "\$@"
EOF
chmod +x "$work/cut-tool.sh"
if play run2c "$work/controller/trusted/v1-v2.hsp" "$work/health.sh" "$work/cut-tool.sh"; then
  fail "run 2c (an answer cut short) succeeded"
fi
expect_log "failed while rolling out .*reverted wherever it was on top \\($count processes: $count reverted" "run 2c falls back to revert --all"
expect_all 11 0

# 3. Signed by a key the host does not trust, then unsigned: refused, nothing touched, and
# the trusted patch already on the host stays.
for kind in untrusted unsigned; do
  if play "run3-$kind" "$work/controller/$kind/v1-v2.hsp" "$work/health.sh"; then
    fail "run 3 ($kind patch) succeeded"
  fi
  expect_log "v1-v2.hsp refused, no process was changed" "run 3 ($kind) says the patch was refused"
  grep -qE '^TASK \[hotswap_patch : (Apply|Revert)' "$log" && fail "run 3 ($kind) went past the verify step"
  expect_all 11 0
  cmp -s "$work/host/patches/v1-v2.hsp" "$work/controller/trusted/v1-v2.hsp" ||
    fail "run 3 ($kind) replaced the trusted patch on the host"
done
# 3c. The patch already on the host, but its key is no longer trusted: the verify step
# refuses it, though the copy is unchanged.
cp other-key.pub "$work/host/trusted-keys"
if play run3-revoked "$work/controller/trusted/v1-v2.hsp" "$work/health.sh"; then
  fail "run 3c (key no longer trusted) succeeded"
fi
expect_log "v1-v2.hsp refused, no process was changed \('Verify" "run 3c says the verify step refused it"
expect_all 11 0
log=""
echo "ansible_test: all runs behaved"

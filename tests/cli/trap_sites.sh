#!/bin/bash
# trap_sites.sh MIPSHV GUEST_DIR [ENGINE]: under ENGINE (default jit), in trap mode the RunRecord names the top
# exit sites with their symbols (from the ELF, or from --system-map), and
# `mipshv stats` prints it as JSON.
set -u
mipshv=$1 guests=$2 engine=${3:-jit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
elf=$guests/tlb.elf
. "$(dirname "$0")/lib.sh"

limited "$mipshv" --engine "$engine" -kernel "$elf" -semihosting --mode trap --stats "$work/run.pb" >/dev/null
rc=$?
check "trap-mode run exits 0" [ $rc -eq 0 ]
"$mipshv" stats "$work/run.pb" >"$work/run.json"
check "stats prints JSON" /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/run.json"
check "exits by kind name CP0 registers" grep -q '"dmtc0 EntryHi"' "$work/run.json"
check "top sites carry ELF symbols" grep -q '"symbol": "[a-z_]*+0x' "$work/run.json"

# A System.map naming one function at the most frequent site's address.
pc=$(/usr/bin/python3 -c "import json; print(int(json.load(open('$work/run.json'))['hypervisor']['top_sites'][0]['pc']))")
printf '%016x T hot_function\n' "$pc" >"$work/System.map"
limited "$mipshv" --engine "$engine" -kernel "$elf" -semihosting --mode trap --system-map "$work/System.map" --stats "$work/map.pb" \
    >/dev/null
"$mipshv" stats "$work/map.pb" >"$work/map.json"
check "--system-map names the top site" grep -q '"symbol": "hot_function+0x0"' "$work/map.json"
summary

#!/usr/bin/env bash
# Scale table: `dealer-tck run --cases N` against the embedded reference at several sizes, with
# cases, exchanges, wall time, CPU time (user + system), peak RSS and cases/s per size, and the
# run's own per-phase wall times. Usage: scripts/scale.sh [N ...]   (default: 8 120 600 1100)
# Builds the release binary first; prints a Markdown table for README's Performance section.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(8 120 600 1100)
command -v /usr/bin/time >/dev/null || { echo "scale: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "scale: python3 is needed to read the reports" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/dealer-tck
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo
echo "| --cases | cases sent | exchanges | wall | CPU | peak RSS | cases/s | verdict | slowest phases |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  /usr/bin/time -f '%e %U %S %M' -o "$out/time" "$bin" run --cases "$n" --out "$out/r$n" --json >"$out/r$n.json" 2>"$out/r$n.err" || true
  read -r wall user sys rss <"$out/time"
  python3 - "$out/r$n.json" "$n" "$wall" "$user" "$sys" "$rss" <<'PY'
import json, sys
path, n, wall, user, sys_, rss = sys.argv[1:]
try:
    r = json.load(open(path))
except ValueError:
    print(f"| {n} | – | – | {float(wall):.1f} s | – | – | – | run failed | |")
    sys.exit(0)
s = r["stats"]
phases = sorted((p for p in s.get("phases", []) if "/" in p["phase"] or p["phase"] != "dmc12"),
                key=lambda p: -p["seconds"])[:3]
slow = ", ".join(f'{p["phase"]} {p["seconds"]:.1f}s' for p in phases)
verdict = "CONFORMANT" if r["conformant"] else ("PARTIAL" if r.get("partial") else "NOT CONFORMANT")
cpu = float(user) + float(sys_)
print(f'| {n} | {s["cases"]} | {s["exchanges"]} | {float(wall):.1f} s | {cpu:.1f} s | {int(rss)/1024:.0f} MiB '
      f'| {s["cases"]/float(wall):.0f} | {verdict} | {slow} |')
PY
done

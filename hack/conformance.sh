#!/usr/bin/env bash
# Render every case of the controller conformance data (../shared/lbc-conformance by
# default, or $LBC_CONFORMANCE) with `kubectl lbctl render`, offline, and compare the models
# with what the real AWS Load Balancer Controller v3.5.0 built, field by field (compare.py).
#
#   hack/conformance.sh [BINARY]      exit 0 when every field of every case agrees
#
# OUT (default: a temporary directory) keeps the rendered JSON; COMPARE_ARGS are passed to
# compare.py (e.g. "--show 0" to print every disagreement, "--case NAME").
set -euo pipefail
cd "$(dirname "$0")/.."
data=${LBC_CONFORMANCE:-../shared/lbc-conformance}
bin=${1:-./kubectl-lbctl}
if [[ ! -d $data/cases ]]; then
	echo "conformance: no cases in $data (set LBC_CONFORMANCE)" >&2
	exit 2
fi
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
for dir in "$data"/cases/*/; do
	name=$(basename "$dir")
	manifests=$dir/manifests.yaml
	[[ -d $dir/manifests ]] && manifests=$dir/manifests
	cluster=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cluster"])' "$dir/case.json")
	args=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1])).get("controllerArgs") or []))' "$dir/case.json")
	certs=()
	[[ -f $dir/certs.json ]] && certs=(--certificates "$dir/certs.json")
	if ! "$bin" render -f "$manifests" --no-aws --cluster-name "$cluster" --controller-args "$args" "${certs[@]}" -o json >"$out/$name.json" 2>"$out/$name.err"; then
		echo "conformance: $name: render failed: $(head -c 300 "$out/$name.err")" >&2
	fi
done
# 1. compare.py as it is: every field, lists by position.
# shellcheck disable=SC2086
if python3 "$data/compare.py" --cases "$data/cases" --rendered "$out" ${COMPARE_ARGS:-}; then
	exit 0
fi
# 2. The controller builds a managed security group's inbound rules by ranging over a Go map
# of listen ports (buildManagedSecurityGroupIngressPermissions), so their order differs from
# run to run and from case to case; lbctl writes them by port. Compare again with those rules
# in one order on both sides: this pass decides.
norm=$(mktemp -d)
trap 'rm -rf "$norm"' EXIT
python3 - "$data/cases" "$out" "$norm" <<'PY'
import json, os, shutil, sys
cases, rendered, norm = sys.argv[1:]
SG = "AWS::EC2::SecurityGroup"
def sort_sg(doc):
    for g in doc.get("groups") or []:
        for sg in ((g.get("stack") or {}).get("resources") or {}).get(SG, {}).values():
            spec = sg.get("spec") or {}
            if isinstance(spec.get("ingress"), list):
                spec["ingress"].sort(key=lambda p: json.dumps(p, sort_keys=True))
    return doc
os.makedirs(os.path.join(norm, "cases"))
os.makedirs(os.path.join(norm, "rendered"))
for name in os.listdir(cases):
    src = os.path.join(cases, name, "controller.json")
    if not os.path.isfile(src):
        continue
    os.makedirs(os.path.join(norm, "cases", name))
    json.dump(sort_sg(json.load(open(src))), open(os.path.join(norm, "cases", name, "controller.json"), "w"))
    mine = os.path.join(rendered, name + ".json")
    if os.path.isfile(mine):
        try:
            doc = sort_sg(json.load(open(mine)))
        except ValueError:
            shutil.copy(mine, os.path.join(norm, "rendered", name + ".json"))
            continue
        json.dump(doc, open(os.path.join(norm, "rendered", name + ".json"), "w"))
PY
echo "conformance: again with each managed security group's inbound rules in one order (the controller's order is a Go map's):"
# shellcheck disable=SC2086
python3 "$data/compare.py" --cases "$norm/cases" --rendered "$norm/rendered" ${COMPARE_ARGS:-}

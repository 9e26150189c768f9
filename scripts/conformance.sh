#!/bin/sh
# Runs the OCI distribution-spec conformance suite against a cattle registry.
#
#   scripts/conformance.sh            start a throwaway sandbox, test its registry, remove it
#   OCI_REGISTRY=127.0.0.1:PORT scripts/conformance.sh   test a registry that runs already
#
# The suite is fetched from the Go module proxy and built in a temporary
# directory; nothing of it enters the repository. Results (results.yaml,
# report.html, junit.xml) land in $OCI_RESULTS_DIR (default ./conformance-results).
set -eu

SUITE=github.com/opencontainers/distribution-spec/conformance
SUITE_VERSION=${SUITE_VERSION:-v0.0.0-20260831232431-97274622c111}
CATTLE=${CATTLE:-bin/cattle}
SANDBOX=${SANDBOX:-conformance}
GO=${GO:-go}

work=$(mktemp -d)
started=""
cleanup() {
	if [ -n "$started" ]; then "$CATTLE" --sandbox "$SANDBOX" down --purge >/dev/null 2>&1 || true; fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "building the conformance suite $SUITE@$SUITE_VERSION"
dir=$($GO mod download -json "$SUITE@$SUITE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "could not download $SUITE@$SUITE_VERSION from the module proxy" >&2; exit 2; }
cp -R "$dir/." "$work/src" 2>/dev/null || { mkdir -p "$work/src" && cp -R "$dir/." "$work/src"; }
chmod -R u+w "$work/src"
(cd "$work/src" && CGO_ENABLED=0 $GO build -o "$work/conformance" .)

if [ -z "${OCI_REGISTRY:-}" ]; then
	[ -x "$CATTLE" ] || { echo "$CATTLE not found: run make build, or set CATTLE" >&2; exit 2; }
	"$CATTLE" --sandbox "$SANDBOX" up >/dev/null
	started=1
	OCI_REGISTRY=$("$CATTLE" --sandbox "$SANDBOX" status -o json | sed -n 's/^[[:space:]]*"registry": "\(.*\)",*$/\1/p')
	[ -n "$OCI_REGISTRY" ] || { echo "cattle status printed no registry address" >&2; exit 2; }
fi

results=${OCI_RESULTS_DIR:-$PWD/conformance-results}
mkdir -p "$results"
echo "testing the registry at $OCI_REGISTRY; results in $results"
status=0
(cd "$work" && OCI_REGISTRY="$OCI_REGISTRY" OCI_TLS=disabled OCI_RESULTS_DIR="$results" \
	OCI_REPO1=${OCI_REPO1:-conformance/repo1} OCI_REPO2=${OCI_REPO2:-conformance/repo2} \
	./conformance) || status=$?
exit $status

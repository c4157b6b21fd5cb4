#!/usr/bin/env bash
# Regenerates every pretrained backbone shipped in ssl-pretrained from its card: runs the card's "command" (a
# ./dl4j-ssl train command, from the repository root) into runs/pretrained/NAME, then packages the run with
# `./dl4j-ssl pretrained package`, which writes NAME.zip, NAME.json (the card: this commit, this machine, the run's
# evaluation and the fixed-subset kNN measured afresh) and the name in index.txt.
#   scripts/regenerate-pretrained.sh [NAME...]      (default: every name in index.txt)
# Commit first: the card records `git rev-parse --short HEAD`, and a dirty tree is marked "-dirty".
# To add a backbone, write a card with at least {"name": ..., "command": "./dl4j-ssl train ..."} into the folder
# below, add its name to index.txt, and run this script with the name (the command must beat the raw pixels:
# the tests refuse a card whose kNN does not).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dir=ssl-pretrained/src/main/resources/io/github/dl4jssl/pretrained
version=$(git rev-parse --short HEAD)
# the script's own outputs (weights, cards, index.txt) do not make the code dirty: several names regenerated one
# after the other must all record the commit
[[ -z "$(git status --porcelain --untracked-files=no -- . ":(exclude)$dir")" ]] || version="$version-dirty"
names=("$@")
((${#names[@]})) || mapfile -t names < <(grep -v '^#' "$dir/index.txt" | sed '/^\s*$/d')
for name in "${names[@]}"; do
  command=$(jq -r .command "$dir/$name.json")
  [[ "$command" == "./dl4j-ssl train "* ]] || { echo "$dir/$name.json: the command must be a ./dl4j-ssl train command, got: $command" >&2; exit 2; }
  run="runs/pretrained/$name"
  echo "== $name: $command (code $version)"
  # shellcheck disable=SC2086 # the card's command is split into its words, as the shell would
  ${command} --out "$run" --overwrite
  ./dl4j-ssl pretrained package --run "$run" --name "$name" --command "$command" --code-version "$version"
done

#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt.
# Review the diff: a public API change is a decision, not a side effect. Usage: eng/update-public-api.sh src/Orum.Auth
set -euo pipefail
project_dir=${1:?usage: eng/update-public-api.sh <project-dir>}
unshipped="$project_dir/PublicAPI.Unshipped.txt"
log=$(mktemp)
dotnet build "$project_dir" -c Release --no-incremental >"$log" 2>&1 || true
grep -o "RS0016: Symbol '[^']*'" "$log" | sed "s/RS0016: Symbol '//; s/'\$//" | sed "s/&lt;/</g; s/&gt;/>/g" >>"$unshipped" || true
{ head -n 1 "$unshipped"; tail -n +2 "$unshipped" | sort -u; } >"$unshipped.tmp" && mv "$unshipped.tmp" "$unshipped"
rm -f "$log"
wc -l "$unshipped"

#!/usr/bin/env bash
# Renders every Mermaid diagram in docs/diagrams/*.mmd to docs/images/diagram-<name>.svg and .png.
#
#   bash docs/diagrams/render.sh
#
# Uses @mermaid-js/mermaid-cli (mmdc) from npm, installed once under $HPCASPIRE_MERMAID_CACHE
# (default ~/.cache/hpcaspire-mermaid, never inside the repository), and Debian's chromium instead of a browser
# download of puppeteer's own. Installs what is missing when it can (npm package; chromium with apt-get as root)
# and otherwise stops, saying what to install. Prints every file it writes.
set -euo pipefail

mermaid_cli_version="${MERMAID_CLI_VERSION:-12.2.0}"
cache="${HPCASPIRE_MERMAID_CACHE:-$HOME/.cache/hpcaspire-mermaid}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
images="$(cd "$here/../images" && pwd)"

fail() {
  echo "render.sh: $*" >&2
  exit 1
}

# Node and npm: mermaid-cli is a Node program.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  fail "node and npm are needed. Install Node.js 20 or newer with npm (on Debian: apt-get install -y nodejs npm, if its nodejs is new enough), then run this again."
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || fail "Node.js $(node --version) is too old for mermaid-cli $mermaid_cli_version; install Node.js 20 or newer, then run this again."

# A browser: Debian's chromium, or the one CHROMIUM names.
chromium="${CHROMIUM:-$(command -v chromium || true)}"
if [[ -z "$chromium" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "render.sh: installing Debian's chromium"
    apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; } ||
      fail "apt-get install -y chromium failed; install chromium (or set CHROMIUM to a Chrome or Chromium binary), then run this again."
    chromium="$(command -v chromium)"
  else
    fail "no chromium found. Install it (as root: apt-get install -y chromium) or set CHROMIUM to a Chrome or Chromium binary, then run this again."
  fi
fi
[[ -x "$chromium" ]] || fail "CHROMIUM=$chromium is not an executable file."

# mermaid-cli, pinned, under the cache; puppeteer comes with it as its peer dependency, without a browser download.
mmdc="$cache/node_modules/.bin/mmdc"
installed="$(node -p "require('$cache/node_modules/@mermaid-js/mermaid-cli/package.json').version" 2>/dev/null || true)"
if [[ "$installed" != "$mermaid_cli_version" ]]; then
  echo "render.sh: installing @mermaid-js/mermaid-cli@$mermaid_cli_version under $cache"
  mkdir -p "$cache"
  [[ -f "$cache/package.json" ]] || echo '{ "private": true }' >"$cache/package.json"
  PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
    npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "@mermaid-js/mermaid-cli@$mermaid_cli_version" >&2 ||
    fail "npm install @mermaid-js/mermaid-cli@$mermaid_cli_version failed (see above); check that the npm registry answers (npm config get registry), then run this again."
fi
[[ -x "$mmdc" ]] || fail "$mmdc is missing after the install; remove $cache and run this again."

# Chromium refuses to run as root with its sandbox on; the pages rendered are our own diagrams.
puppeteer_config="$cache/puppeteer-config.json"
cat >"$puppeteer_config" <<EOF
{ "executablePath": "$chromium", "args": ["--no-sandbox", "--disable-gpu"] }
EOF

shopt -s nullglob
sources=("$here"/*.mmd)
((${#sources[@]} > 0)) || fail "no diagrams (*.mmd) in $here."

for source in "${sources[@]}"; do
  name="$(basename "$source" .mmd)"
  for format in svg png; do
    output="$images/diagram-$name.$format"
    scale=()
    [[ "$format" == png ]] && scale=(--scale 2)
    if ! log="$("$mmdc" --quiet --input "$source" --output "$output" --configFile "$here/mermaid-config.json" \
      --puppeteerConfigFile "$puppeteer_config" --backgroundColor white "${scale[@]}" 2>&1)"; then
      echo "$log" >&2
      fail "mmdc could not render $source to $format (its output is above)."
    fi
    [[ -s "$output" ]] || fail "mmdc wrote no $output."
    echo "wrote ${output#"$(cd "$here/../.." && pwd)/"} ($(stat -c %s "$output") bytes)"
  done
done

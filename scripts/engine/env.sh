# shellcheck shell=bash
# Sourced (bash): `source scripts/engine/env.sh`
# Puts the offline engine (built by scripts/engine/build.sh) first on PATH and sets the variables that keep the
# Pulumi CLI from reaching the network. Does not build anything; run build.sh first.
#
# Variables you may set before sourcing:
#   PULUMI_HOME         default: ${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine}/pulumi-home
#   PULUMI_BACKEND_URL  default: file://${CLOISTER_ENGINE_CACHE:-...}/state  (a local, file-based backend)
#   PULUMI_CONFIG_PASSPHRASE  default: empty (allowed for local stacks)
_cloister_engine_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_cloister_engine_cache="${CLOISTER_ENGINE_CACHE:-$HOME/.cache/cloister-engine}"
CLOISTER_ENGINE_BIN="$(bash "$_cloister_engine_dir/build.sh" --print-bin)"
export CLOISTER_ENGINE_BIN
if [ ! -x "$CLOISTER_ENGINE_BIN/pulumi" ]; then
  echo "scripts/engine/env.sh: $CLOISTER_ENGINE_BIN/pulumi missing; run scripts/engine/build.sh first" >&2
fi
case ":$PATH:" in
  *":$CLOISTER_ENGINE_BIN:"*) ;;
  *) export PATH="$CLOISTER_ENGINE_BIN:$PATH" ;;
esac

export PULUMI_HOME="${PULUMI_HOME:-$_cloister_engine_cache/pulumi-home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_cloister_engine_cache/state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_CONFIRMATIONS=true
# Plugins are found on PATH (the provider is not version-checked there); keep ambient lookup on.
unset PULUMI_IGNORE_AMBIENT_PLUGINS
# No telemetry / cloud calls from the CLI or Automation API.
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
mkdir -p "$PULUMI_HOME"
case "$PULUMI_BACKEND_URL" in file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" ;; esac
unset _cloister_engine_dir _cloister_engine_cache

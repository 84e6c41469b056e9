# Sourced by the instruction-counting scripts (insns_per_switch.sh,
# trace_insns.sh, abicheck_insns.sh): checks that the harness and the
# insn_count plugin are built, and finds the harness's architecture and the
# qemu-user binary that runs it.
#   insns_setup BUILD_DIR HARNESS   -> sets $plugin, $arch, $qemu, $tmp (removed at exit)
#   insns_region OPTS ARGS...       -> instructions counted in one run of $harness ARGS
insns_setup() {
  local build=$1 harness=$2
  plugin=$build/tools/qemu-plugin/libinsn_count.so
  [ -x "$harness" ] || { echo "no $harness: build the preset first" >&2; exit 1; }
  [ -f "$plugin" ] || { echo "no $plugin: build the preset first" >&2; exit 1; }
  case $(od -An -tu2 -j18 -N2 "$harness" | tr -d ' ') in  # ELF e_machine
    183) arch=aarch64 ;;
    62) arch=x86_64 ;;
    *) echo "$harness: neither AArch64 nor x86-64" >&2; exit 1 ;;
  esac
  qemu=$(command -v "qemu-$arch") || { echo "qemu-$arch not found" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
}

# insns_region ',atomic=on'|'' ARGS... -> instructions between the markers of
# one run of $harness ARGS under the plugin (exactly one region expected).
insns_region() {
  local opts=$1
  shift
  "$qemu" -plugin "$plugin,out=$tmp/out$opts" "$harness" "$@"
  awk '$1=="regions" && $2!=1 {exit 1} $1=="region" {r=$2} END {print r}' "$tmp/out" ||
    { echo "$*: markers did not pair up" >&2; exit 1; }
}

#!/usr/bin/env bash
# Builds an engine folder that runs this project on a libtorch other than the one DJL ships (2.5.1 for DJL 0.33):
# DJL's PyTorch JNI, compiled from DJL's own source at the DJL version in pom.xml, against a libtorch found on this
# machine, beside copies of that libtorch's shared libraries. DJL documents this route for libtorch versions it does not
# publish ("build the JNI from source"); DJL's build runs as it is.
#
#   tools/build_libtorch_engine.sh --torch DIR --djl-git DIR --out DIR
#
#   --torch    a libtorch: the `torch` folder of an installed PyTorch wheel (site-packages/torch), or an unpacked
#              libtorch archive. It must hold lib/libtorch.so, include/ and share/cmake/Torch. CPU builds only.
#   --djl-git  DJL's source as a git directory (bare or a checkout's .git), e.g. the one the fetch tool returns for
#              github:deepjavalibrary/djl. The tag v<djl.version> is read from it; nothing is downloaded.
#   --out      the engine folder to write (must not exist).
#
# Then run anything with `CDIFF_LIBTORCH=OUT ./cdiff ...`: the launcher points DJL at the folder (docs/performance.md,
# "twelfth session"). Check the result before trusting it: `CDIFF_LIBTORCH=OUT ./cdiff golden-check ../shared/golden`
# at each ONEDNN_MAX_CPU_ISA level, and the diffusion module's tests with PYTORCH_LIBRARY_PATH/PYTORCH_VERSION/
# PYTORCH_FLAVOR from OUT/engine.properties exported.
# Needs: git, javac (JDK 17), cmake >= 3.18, a C++17 compiler.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
torch="" djl_git="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --torch) torch="$2"; shift 2 ;;
    --djl-git) djl_git="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
fail() { echo "build_libtorch_engine: $*" >&2; exit 1; }
[ -n "$torch" ] && [ -n "$djl_git" ] && [ -n "$out" ] || fail "--torch, --djl-git and --out are all required"
[ -e "$out" ] && fail "$out exists; choose a new folder"
for f in lib/libtorch.so lib/libtorch_cpu.so lib/libc10.so share/cmake/Torch/TorchConfig.cmake include/torch; do
  [ -e "$torch/$f" ] || fail "$torch has no $f: not a libtorch (give site-packages/torch or an unpacked libtorch)"
done
for tool in git javac cmake c++ readelf sha256sum; do
  command -v "$tool" >/dev/null || fail "needs $tool on the PATH"
done

# CMake's FindJNI needs the JDK's headers: the JDK that javac belongs to, unless JAVA_HOME names one
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
[ -f "$JAVA_HOME/include/jni.h" ] || fail "no include/jni.h under JAVA_HOME=$JAVA_HOME; set JAVA_HOME to a JDK"

djl_version=$(sed -n 's:.*<djl.version>\(.*\)</djl.version>.*:\1:p' "$here/pom.xml" | head -1)
[ -n "$djl_version" ] || fail "no <djl.version> in $here/pom.xml"
# the libtorch's own version: a wheel keeps it in version.py, a libtorch archive in build-version
if [ -f "$torch/version.py" ]; then
  full_version=$(sed -n "s/^__version__ = '\(.*\)'.*/\1/p" "$torch/version.py")
elif [ -f "$torch/build-version" ]; then
  full_version=$(head -1 "$torch/build-version")
else
  fail "$torch has neither version.py nor build-version; cannot tell its libtorch version"
fi
version=${full_version%%+*}
flavor=${full_version#*+}
[ "$flavor" = "$full_version" ] && flavor=cpu
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "unexpected libtorch version '$full_version'"
[ "$flavor" = cpu ] || fail "libtorch $full_version is a '$flavor' build; this script builds CPU engines only"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git --git-dir="$djl_git" rev-parse -q --verify "refs/tags/v$djl_version" >/dev/null \
  || fail "$djl_git has no tag v$djl_version (the DJL version in pom.xml)"
git --git-dir="$djl_git" archive "v$djl_version" engines/pytorch/pytorch-native engines/pytorch/pytorch-engine/src/main/java \
  api/src/main/java api/src/main/native | tar -x -C "$work"
native="$work/engines/pytorch/pytorch-native"
mkdir -p "$native/build/classes"
if ! (cd "$native/build" \
  && javac -sourcepath ../../pytorch-engine/src/main/java:../../../../api/src/main/java \
       ../../pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java -h include -d classes \
  && cmake -DCMAKE_PREFIX_PATH="$torch/share/cmake" -DCMAKE_BUILD_TYPE=Release .. >cmake.log 2>&1 \
  && cmake --build . -- -j"$(nproc)" >build.log 2>&1); then
  logs=$(mktemp -d /tmp/libtorch-engine-logs.XXXXXX)
  cp "$native"/build/*.log "$logs"/ 2>/dev/null || true
  fail "the JNI did not build against $torch; cmake's logs are in $logs"
fi

mkdir -p "$out"
cp "$native/build/libdjl_torch.so" "$out/$djl_version-libdjl_torch.so"
# libtorch and what it loads from its own folder (OpenMP runtime and the like), nothing else of the wheel: DJL loads
# every shared library in the folder, and the wheel's Python bindings would fail without a Python.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
queue=(libtorch.so libtorch_cpu.so libc10.so)
declare -A seen=()
while [ ${#queue[@]} -gt 0 ]; do
  lib=${queue[0]}; queue=("${queue[@]:1}")
  [ -n "${seen[$lib]:-}" ] && continue
  seen[$lib]=1
  cp -L "$torch/lib/$lib" "$out/$lib"
  for dep in $(needed "$torch/lib/$lib"); do
    [ -e "$torch/lib/$dep" ] && queue+=("$dep")
  done
done
{
  echo "# written by tools/build_libtorch_engine.sh; read by the cdiff launcher (CDIFF_LIBTORCH)"
  echo "pytorch.version=$version"
  echo "pytorch.flavor=$flavor"
  echo "djl.version=$djl_version"
  echo "djl.source=v$djl_version $(git --git-dir="$djl_git" rev-parse "v$djl_version^{commit}")"
  echo "torch.source=$(cd "$torch" && pwd) ($full_version)"
  (cd "$out" && for f in *.so*; do echo "sha256.$f=$(sha256sum "$f" | cut -d' ' -f1)"; done)
} > "$out/engine.properties"
echo "engine folder $out: libtorch $version ($flavor), JNI for DJL $djl_version"
echo "use it with: CDIFF_LIBTORCH=$out ./cdiff ..."

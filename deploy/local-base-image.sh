#!/usr/bin/env bash
# Builds a Java 17 base image as a docker-save tarball from this machine's JDK (jlink) and its glibc, for Jib when no
# registry can be reached:  mvn jib:buildTar -Djib.from.image=tar://$PWD/target/cdiff-base-jre17.tar
# The images for a real deployment use eclipse-temurin:17-jre (the default); this one proves the build and runs
# the services in a chroot. Needs: jlink, ldd, ldconfig, python3.
set -euo pipefail
out="${1:-target/cdiff-base-jre17.tar}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/opt" "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"
jlink --add-modules java.base,java.compiler,java.datatransfer,java.desktop,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs,jdk.naming.dns,jdk.localedata \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$root/opt/java"
# the shared libraries the JVM and libtorch load (libstdc++, libgomp), from this machine
{
  ldd "$root/opt/java/bin/java"
  for f in "$root"/opt/java/lib/*.so "$root"/opt/java/lib/server/libjvm.so; do ldd "$f" || true; done
  for l in libstdc++.so.6 libgcc_s.so.1 libgomp.so.1; do
    p="$(ldconfig -p | awk -v l="$l" '$1 == l {print $NF; exit}' || true)"
    if [ -n "$p" ]; then echo "$l => $p (0)"; ldd "$p" || true; fi
  done
} 2>/dev/null | { grep -oE '/[^ ]+\.so[^ ]*' || true; } | sort -u | while read -r lib; do
  [ -e "$lib" ] || continue
  case "$lib" in "$root"/*) continue ;; esac   # the JRE's own libraries are in place already
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$(dirname "$lib")/"
done
printf '/lib/x86_64-linux-gnu\n/opt/java/lib\n/opt/java/lib/server\n' > "$root/etc/ld.so.conf"
ldconfig -r "$root"
printf 'root:x:0:0:root:/root:/bin/sh\ncdiff:x:10001:10001::/data:/sbin/nologin\n' > "$root/etc/passwd"
mkdir -p "$(dirname "$out")"
python3 - "$root" "$out" <<'PY'
import hashlib, io, json, sys, tarfile
root, out = sys.argv[1], sys.argv[2]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode='w') as t:
    t.add(root, arcname='.')
data = layer.getvalue()
digest = hashlib.sha256(data).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/opt/java/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java", "LANG=C.UTF-8"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest]},
    "history": [{"created_by": "deploy/local-base-image.sh: jlink JRE 17 and glibc"}]}).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": config_name, "RepoTags": ["cdiff/base-jre17:local"],
                        "Layers": [digest + "/layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, payload in ((config_name, config), (digest + "/layer.tar", data), ("manifest.json", manifest)):
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
PY
echo "$out"

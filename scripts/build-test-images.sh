#!/usr/bin/env bash
# Builds the local images executor tests run in; no registry is reachable, so images are
# made from Debian's busybox-static. Idempotent: skips an image that already exists.
# Needs a running engine (scripts/start-docker.sh).
set -euo pipefail

image="circleactors/busybox:latest"

fail() { echo "build-test-images: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || fail "no Docker engine answers; run scripts/start-docker.sh first"

if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi

busybox_bin=/bin/busybox
# The rootfs has no libc, so only the static build will do (Debian's busybox-static).
is_static() { ! ldd "$1" >/dev/null 2>&1; }
if [ ! -x "$busybox_bin" ] || ! is_static "$busybox_bin"; then
  [ "$(id -u)" = 0 ] || fail "busybox-static is missing and installing it needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update failed"
  apt-get install -y -qq busybox-static >/dev/null || fail "apt-get install busybox-static failed"
  is_static "$busybox_bin" || fail "$busybox_bin is still not statically linked"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/bin" "$root/tmp" "$root/root" "$root/etc"
chmod 1777 "$root/tmp"
cp "$busybox_bin" "$root/bin/busybox"
# Skip the applet named busybox, or /bin/busybox would become a link to itself.
"$root/bin/busybox" --list | while read -r applet; do
  [ "$applet" = busybox ] && continue
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

tar -C "$root" -c . | docker import - "$image" >/dev/null || fail "docker import of $image failed"

#!/usr/bin/env bash
# Builds the local images executor tests run in; no registry is reachable, so images are
# made from Debian's busybox-static: circleactors/busybox, and circleactors/docker-cli (busybox
# plus the host's docker client and the libraries it links) for setup_remote_docker.
# Idempotent: skips an image that already exists.
# Needs a running engine (scripts/start-docker.sh).
set -euo pipefail

image="circleactors/busybox:latest"
cli_image="circleactors/docker-cli:latest"

fail() { echo "build-test-images: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || fail "no Docker engine answers; run scripts/start-docker.sh first"

build_busybox() {

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

  local work root
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
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
}

# The docker client may be dynamically linked: copy it with every library ldd names (none for a static one), at their paths.
build_docker_cli() {
  local work docker_bin
  docker_bin="$(command -v docker)" || fail "the docker client is missing"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  mkdir -p "$work/root"
  for file in "$docker_bin" $(ldd "$docker_bin" 2>/dev/null | grep -o '/[^ ]*'); do
    cp --parents -L "$file" "$work/root/"
  done
  printf 'FROM %s\nCOPY root/ /\n' "$image" >"$work/Dockerfile"
  local log
  log="$(docker build -q -t "$cli_image" "$work" 2>&1)" || fail "docker build of $cli_image failed: $log"
}

docker image inspect "$image" >/dev/null 2>&1 || build_busybox
docker image inspect "$cli_image" >/dev/null 2>&1 || build_docker_cli

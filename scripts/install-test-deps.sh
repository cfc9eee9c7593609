#!/usr/bin/env bash
# Installs what Kestrel's test suite needs on a fresh Debian machine.
# Idempotent: packages already present are left alone.
set -euo pipefail

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
# The regex tests compare Kestrel with the RE2 library libsinsp uses.
command -v g++ >/dev/null 2>&1 || need+=(g++)
dpkg -s libre2-dev >/dev/null 2>&1 || need+=(libre2-dev)
# sysdig reads capture files: the oracle for field values and for files
# Kestrel writes (its kernel driver is not needed).
command -v sysdig >/dev/null 2>&1 || need+=(sysdig)
# The eBPF probe is rebuilt from its C sources to check the committed
# objects (clang, llvm-strip and libbpf's headers, as bpf2go uses them).
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v llvm-strip >/dev/null 2>&1 || need+=(llvm)
[ -f /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
# Container tests run a real Docker daemon on images imported from a
# busybox rootfs (no registry can be reached).
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
# The containerd client's test runs a private containerd with ctr and runc
# (docker.io depends on them; named so the dependency is visible).
command -v containerd >/dev/null 2>&1 || need+=(containerd)
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /usr/bin/busybox ] || need+=(busybox-static)
# The default rules' tests use sudo as the benign reader of /etc/shadow,
# and the system's ping as the benign user of a raw socket.
command -v sudo >/dev/null 2>&1 || need+=(sudo)
[ -x /usr/bin/ping ] || need+=(iputils-ping)
# The default rules' live tests act as users and attackers do: a real
# interpreter, SSH client and agent tool, downloader, debugger and the
# process tools (each named here so that a minimal image gets them).
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v perl >/dev/null 2>&1 || need+=(perl)
command -v ssh-add >/dev/null 2>&1 || need+=(openssh-client)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v pkill >/dev/null 2>&1 || need+=(procps)
command -v useradd >/dev/null 2>&1 || need+=(passwd)
command -v make >/dev/null 2>&1 || need+=(make)
command -v git >/dev/null 2>&1 || need+=(git)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: need ${need[*]}; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  echo "install-test-deps: Go is at /usr/local/go/bin; add it to PATH" >&2
fi

# Start dockerd if it is not running: no bridge network (tests run
# containers with --network none), no iptables changes.
if command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  if ! docker_cli=$(command -v docker) || ! "$docker_cli" info >/dev/null 2>&1; then
    nohup dockerd --bridge=none --iptables=false >/var/log/kestrel-test-dockerd.log 2>&1 &
    for _ in $(seq 60); do
      [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    docker info >/dev/null 2>&1 || { echo "install-test-deps: dockerd did not start; see /var/log/kestrel-test-dockerd.log" >&2; exit 1; }
  fi
fi

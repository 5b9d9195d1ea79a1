#!/usr/bin/env bash
# The loop a user would write to build a case that has module dependencies
# with several toolchains: each toolchain in turn, in a fresh module cache
# and a fresh build cache, runs `go build` in a copy of the case, so every
# toolchain downloads every module again. It is the baseline the runner's
# shared module cache is measured against (see main.go), not a model to copy.
#
# Usage: peer-build-loop.sh WORK CASE_DIR GOROOT...
# WORK is an empty directory the loop may fill (the caller removes it, so
# that removing caches is not timed). GOPROXY and GOSUMDB come from the
# environment (default: the go command's). The build environment is the
# runner's where it is not about modules: CGO_ENABLED=0, no go env file.
# Prints "ok <goroot-name>" or "FAIL <goroot-name>" per toolchain; exits 1
# if any build failed.
set -u
work=$1; src=$2; shift 2
export GOPROXY=${GOPROXY:-https://proxy.golang.org,direct} GOSUMDB=${GOSUMDB:-sum.golang.org}
export GOENV=off GOFLAGS=-modcacherw GOTOOLCHAIN=local GO111MODULE=on CGO_ENABLED=0
status=0
for root in "$@"; do
  name=$(basename "$root")
  dir=$work/$name
  mkdir -p "$dir"
  cp -R "$src" "$dir/src"
  if (cd "$dir/src" && GOROOT=$root GOPATH=$dir/gopath GOMODCACHE=$dir/gopath/pkg/mod \
      GOCACHE=$dir/gocache "$root/bin/go" build -o x . >"$dir/build.log" 2>&1); then
    echo "ok $name"
  else
    echo "FAIL $name"; sed 's/^/    /' "$dir/build.log"; status=1
  fi
done
exit $status

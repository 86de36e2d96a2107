#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds plugins/example_augment as its own CMake
# project against it (find_package(munit) + munit::sdk), then checks that the installed munit loads
# the plugin by path, finds its own installed copy by name, and still does once the prefix moves.
# Usage: sdk_test.sh BUILD_DIR SOURCE_DIR CMAKE_GENERATOR CXX_COMPILER
set -euo pipefail
build=$1 source=$2 generator=$3 compiler=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset MUNIT_PLUGIN_PATH
fail() { echo "FAIL: $*" >&2; exit 1; }
lists_posterize() { "$@" | grep -q '^example\.posterize '; }

cmake --install "$build" --prefix "$work/prefix"
cmake -S "$source/plugins/example_augment" -B "$work/plugin" -G "$generator" \
  -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix"
found=$(sed -n 's/^munit_DIR:PATH=//p' "$work/plugin/CMakeCache.txt")
[ "$found" = "$work/prefix/lib/cmake/munit" ] || fail "find_package(munit) found '$found', not the installed prefix"
cmake --build "$work/plugin"
plugin=$work/plugin/libmunit_example_augment.so

munit=$work/prefix/bin/munit
! lists_posterize "$munit" nodes || fail "munit lists example.posterize without the plugin"
lists_posterize "$munit" nodes --plugin "$plugin" || fail "munit nodes --plugin $plugin does not list example.posterize"

# By name: the installed copy in PREFIX/lib/munit/plugins, found from bin/munit, wherever the prefix is.
mv "$work/prefix" "$work/moved"
munit=$work/moved/bin/munit
lists_posterize "$munit" nodes --plugin munit_example_augment ||
  fail "the moved installed munit does not find munit_example_augment in its plugin folder"
set +e
message=$("$munit" nodes --plugin no_such_plugin 2>&1)
code=$?
set -e
[ "$code" -eq 2 ] || fail "a missing plugin exits $code, not 2"
[[ "$message" == *"looked in: $work/moved/lib/munit/plugins"* ]] ||
  fail "a missing plugin's message does not name the installed plugin folder: $message"
echo "PASS: the installed SDK builds the example plugin out of tree; the installed munit loads it"

#!/usr/bin/env bash
# Builds the .deb (scripts/package_deb.sh), installs it with apt, checks that /usr/bin/munit finds
# the example plugin in its installed plugin folder and that the package holds the SDK, then
# removes the package. Skips (exit 77) where it cannot install packages or would replace a munit.
# Usage: deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "installing a .deb needs root"
command -v apt-get >/dev/null && command -v dpkg-shlibdeps >/dev/null || skip "needs apt-get and dpkg-shlibdeps (dpkg-dev)"
dpkg-query -W -f='${Status}' munit 2>/dev/null | grep -q "install ok installed" &&
  skip "a munit package is installed already; not replacing it"
[ ! -e /usr/bin/munit ] || skip "/usr/bin/munit exists already; not replacing it"

work=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" -eq 1 ]; then apt-get remove -y -q -o DPkg::Lock::Timeout=120 munit >/dev/null || dpkg -r munit; fi
  rm -rf "$work"
}
trap cleanup EXIT
unset MUNIT_PLUGIN_PATH

bash "$source/scripts/package_deb.sh" "$build" "$work"
debs=("$work"/munit_*.deb)
[ -f "${debs[0]}" ] || fail "scripts/package_deb.sh made no munit_*.deb in $work"
dpkg-deb --field "${debs[0]}" Depends
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 "${debs[0]}"

for file in /usr/bin/munit /usr/lib/munit/plugins/libmunit_example_augment.so /usr/include/munit/plugin.h \
            /usr/lib/cmake/munit/munitConfig.cmake /usr/share/munit/pipelines/demo/shapes.toml; do
  dpkg -L munit | grep -qx "$file" || fail "the package does not install $file"
done
/usr/bin/munit nodes --plugin munit_example_augment | grep -q '^example\.posterize ' ||
  fail "the installed munit does not find munit_example_augment in /usr/lib/munit/plugins"

apt-get remove -y -q -o DPkg::Lock::Timeout=120 munit
installed=0
[ ! -e /usr/bin/munit ] || fail "/usr/bin/munit is left after removing the package"
echo "PASS: the .deb installs, its munit finds the example plugin, and it removes cleanly"

#!/usr/bin/env bash
# Packs everything munit builds against, except LibTorch, into .gpu/ for a GPU host that has
# CUDA, CMake, ninja, g++ and pip's torch but no package registry (see README, "CUDA"). Run on a
# Debian 12 machine, as root or with sudo. The bundle is a small /usr-like prefix:
#
#   .gpu/prefix/   headers, shared libraries and CMake packages of oneTBB, spdlog + fmt, toml++,
#                  CLI11, nlohmann-json, yaml-cpp, GTest/GMock, zlib and the Boost headers
#                  Boost.DLL needs with libboost_filesystem, copied from Debian's packages, plus the
#                  libraries they and OpenCV load (libpng, libjpeg, ...).
#   .gpu/opencv/   OpenCV with only core, imgproc and imgcodecs (PNG, JPEG), built from Debian's
#                  source package: Debian's own libopencv-imgcodecs pulls GDAL and ~130 more
#                  libraries, far over the 64 MiB a device call carries.
#
# The OpenCV build (about 10 minutes on 2 cores) is kept in ~/.cache/munit-bundle and reused.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/.gpu
prefix=$out/prefix
cache=${MUNIT_BUNDLE_CACHE:-$HOME/.cache/munit-bundle}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

say() { echo "make_bundle: $*"; }

bash "$root/scripts/install-deps.sh"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  dpkg-dev libpng-dev libjpeg-dev >/dev/null
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# --- OpenCV from Debian's source package: only core, imgproc and imgcodecs with PNG and JPEG.
opencv=$cache/opencv-install
if [ ! -f "$opencv/lib/cmake/opencv4/OpenCVConfig.cmake" ]; then
  mkdir -p "$cache"
  if ! ls "$cache"/opencv-*/CMakeLists.txt >/dev/null 2>&1; then
    # deb-src for the registry the machine already uses.
    if ! apt-get source --print-uris opencv >/dev/null 2>&1; then
      say "enabling deb-src (/etc/apt/sources.list.d/munit-deb-src.sources)"
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        $sudo tee /etc/apt/sources.list.d/munit-deb-src.sources >/dev/null
      $sudo apt-get update -q >/dev/null
    fi
    say "fetching Debian's opencv source package"
    (cd "$cache" && apt-get source -q opencv >/dev/null)
  fi
  source_dir=$(dirname "$(ls "$cache"/opencv-*/CMakeLists.txt | head -1)")
  say "building OpenCV (core, imgproc, imgcodecs) from $source_dir"
  off=(BUILD_TESTS BUILD_PERF_TESTS BUILD_EXAMPLES BUILD_DOCS BUILD_opencv_apps BUILD_JAVA BUILD_opencv_python2
       BUILD_opencv_python3 BUILD_ZLIB BUILD_PNG BUILD_JPEG BUILD_TIFF BUILD_WEBP BUILD_OPENJPEG BUILD_JASPER
       BUILD_OPENEXR WITH_TIFF WITH_WEBP WITH_OPENJPEG WITH_JASPER WITH_OPENEXR WITH_IMGCODEC_HDR
       WITH_IMGCODEC_SUNRASTER WITH_IMGCODEC_PFM WITH_IMGCODEC_GIF WITH_IPP WITH_ITT WITH_OPENCL WITH_LAPACK
       WITH_EIGEN WITH_TBB WITH_OPENMP WITH_GTK WITH_QT WITH_FFMPEG WITH_GSTREAMER WITH_V4L WITH_1394
       WITH_PROTOBUF WITH_VA WITH_VA_INTEL WITH_GDAL WITH_GPHOTO2 WITH_ADE WITH_QUIRC WITH_CUDA WITH_VTK
       WITH_HALIDE OPENCV_GENERATE_PKGCONFIG CV_TRACE ENABLE_PRECOMPILED_HEADERS)
  cmake -S "$source_dir" -B "$cache/opencv-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$opencv" -DBUILD_LIST=core,imgproc,imgcodecs -DBUILD_SHARED_LIBS=ON \
    -DWITH_PNG=ON -DWITH_JPEG=ON -DWITH_IMGCODEC_PXM=ON "${off[@]/#/-D}" "${off[@]/%/=OFF}" \
    >"$cache/opencv-configure.log"
  cmake --build "$cache/opencv-build" --target install >"$cache/opencv-build.log"
fi

# --- The prefix, laid out as /usr so the packages' CMake files find their files relatively.
rm -rf "$prefix" "$out/opencv"
mkdir -p "$prefix/include" "$prefix/lib/$arch/cmake" "$prefix/share/cmake"
copy() { cp -a "$@"; }
mkdir -p "$out/opencv"
copy "$opencv/include" "$opencv/lib" "$out/opencv/"  # not share/: Haar cascades and licence texts

for dir in tbb oneapi spdlog fmt toml++ CLI nlohmann yaml-cpp gtest gmock; do copy "/usr/include/$dir" "$prefix/include/"; done
copy /usr/include/zlib.h /usr/include/zconf.h "$prefix/include/"

# Boost: the headers Boost.DLL and Boost.Filesystem actually include (the whole tree is 160 MB).
printf '#include <boost/dll/alias.hpp>\n#include <boost/dll/runtime_symbol_info.hpp>\n#include <boost/dll/shared_library.hpp>\n' |
  g++ -std=c++17 -x c++ -M - | tr ' \\' '\n\n' | grep '^/usr/include/boost/' | sort -u |
  while read -r header; do
    mkdir -p "$prefix/include/$(dirname "${header#/usr/include/}")"
    cp "$header" "$prefix/include/${header#/usr/include/}"
  done

# Every file the packages' CMake targets name must exist (TBB's name tbbbind and tbbmalloc_proxy too).
for pattern in 'libtbb*.so*' 'libspdlog.so*' 'libfmt.so*' 'libyaml-cpp.so*' 'libtomlplusplus.so*' \
               'libboost_filesystem.*' 'libz.so*' 'libgtest*.a' 'libgmock*.a'; do
  find /usr/lib/"$arch" -maxdepth 1 -name "$pattern" -exec cp -a {} "$prefix/lib/$arch/" \;
done
for pkg in TBB spdlog fmt yaml-cpp GTest tomlplusplus Boost-* BoostDetectToolset-*.cmake boost_filesystem-* \
           boost_headers-* boost_system-*; do
  copy /usr/lib/"$arch"/cmake/$pkg "$prefix/lib/$arch/cmake/"
done
copy /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json "$prefix/share/cmake/"

# Every library file a copied CMake package names must be here (a new package version may name more).
missing=$(grep -rhoE 'IMPORTED_LOCATION[A-Z_]* "\$\{(_IMPORT_PREFIX|PACKAGE_PREFIX_DIR)\}/[^"]+"' "$prefix" |
  sed -E 's/.*\}\/([^"]+)"/\1/' | sort -u | while read -r file; do [ -e "$prefix/$file" ] || echo "$file"; done)
if [ -n "$missing" ]; then
  echo "make_bundle: the CMake packages name files the bundle lacks: $missing" >&2
  exit 1
fi

# The shared-library closure: whatever the libraries above load that a bare host may lack (libpng,
# libjpeg, ...), but not the C and C++ runtimes, which the host's compiler brings.
host_has='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.'
for _ in 1 2 3; do
  for so in "$prefix/lib/$arch"/*.so.* "$out/opencv/lib"/*.so.*; do
    [ -L "$so" ] && continue
    ldd "$so" | awk '$3 ~ /^\// {print $1, $3}' | while read -r name path; do
      [[ $name =~ $host_has ]] && continue
      [ -e "$out/opencv/lib/$name" ] && continue
      [ -e "$prefix/lib/$arch/$name" ] || copy "$(readlink -f "$path")" "$prefix/lib/$arch/$name"
    done
  done
done

# --- The official code for the GPU baseline (bench.sh), read from $MUNIT_REF (a checkout of
# NVlabs/MUNIT), never committed here. (The parity fixtures travel with the repository.)
rm -rf "$out/fixtures" "$out/munit-ref"
ref=${MUNIT_REF:-/tmp/munit-ref}
if [ -f "$ref/trainer.py" ]; then
  mkdir -p "$out/munit-ref"
  copy "$ref"/{networks,trainer,utils,data}.py "$ref/configs" "$out/munit-ref/"
else
  say "no official MUNIT code at $ref (set MUNIT_REF): bench.sh will have no baseline"
fi

say "wrote $out: $(du -sh "$out" | cut -f1) ($(du -sh "$prefix" | cut -f1) prefix); carry it as \".gpu\""

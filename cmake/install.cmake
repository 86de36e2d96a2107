# `cmake --install build --prefix P`: bin/munit, its plugins in P/${MUNIT_INSTALL_PLUGIN_DIR}, the
# SDK (include/munit/ and the CMake package munit::sdk), and the pipelines and configs users start
# from in share/munit/. `cpack -G DEB` packages the same tree (scripts/package_deb.sh).
include(CMakePackageConfigHelpers)

install(TARGETS munit RUNTIME DESTINATION bin)
install(DIRECTORY graph/include/munit DESTINATION include)
install(DIRECTORY pipelines configs DESTINATION share/munit)

set(munit_cmake_dir lib/cmake/munit)
install(TARGETS munit_sdk EXPORT munitTargets)
install(EXPORT munitTargets NAMESPACE munit:: DESTINATION ${munit_cmake_dir})
configure_package_config_file(cmake/munitConfig.cmake.in munitConfig.cmake INSTALL_DESTINATION ${munit_cmake_dir})
# The plugin ABI (munit/version.h) is checked when a plugin loads; the package version follows the release.
write_basic_package_version_file(munitConfigVersion.cmake COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/munitConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/munitConfigVersion.cmake
        DESTINATION ${munit_cmake_dir})

set(CPACK_PACKAGE_NAME munit)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MUNIT image translation as a dataflow engine, with its plugin SDK")
set(CPACK_PACKAGE_CONTACT "munit developers <munit@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the libraries bin/munit links
# Building plugins against the SDK also needs these headers.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, libspdlog-dev, libboost-dev")
include(CPack)

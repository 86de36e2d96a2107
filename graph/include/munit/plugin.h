#pragma once
// The plugin entry point. A plugin is a shared library built against these SDK headers only; it
// exports one alias, `munit_plugin`, returning a PluginInfo. The host checks the ABI version
// before calling register_kinds. Usage, once per plugin:
//
//   MUNIT_PLUGIN("my_plugin", registrar) { registrar.add_node<MyNode>(); }
#include <boost/dll/alias.hpp>

#include "munit/registry.h"
#include "munit/version.h"

namespace munit {

// Keep this layout stable: the host reads abi_major and abi_minor before anything else.
struct PluginInfo {
  int abi_major;
  int abi_minor;
  const char* munit_version;  // the SDK version the plugin was built with
  const char* name;
  void (*register_kinds)(Registrar&);
};

using PluginEntry = PluginInfo();
inline constexpr const char* kPluginEntryName = "munit_plugin";

}  // namespace munit

#ifndef MUNIT_PLUGIN_ABI_MAJOR  // tests override these to build mismatched plugins
#define MUNIT_PLUGIN_ABI_MAJOR ::munit::kAbiMajor
#endif
#ifndef MUNIT_PLUGIN_ABI_MINOR
#define MUNIT_PLUGIN_ABI_MINOR ::munit::kAbiMinor
#endif

#define MUNIT_PLUGIN(plugin_name, registrar)                                               \
  static void munit_register_plugin_kinds(::munit::Registrar&);                            \
  namespace munit_plugin_export {                                                          \
  inline ::munit::PluginInfo munit_plugin_info() {                                         \
    return {MUNIT_PLUGIN_ABI_MAJOR, MUNIT_PLUGIN_ABI_MINOR, ::munit::kVersion, plugin_name, \
            &munit_register_plugin_kinds};                                                 \
  }                                                                                        \
  }                                                                                        \
  BOOST_DLL_ALIAS(munit_plugin_export::munit_plugin_info, munit_plugin)                    \
  static void munit_register_plugin_kinds(::munit::Registrar& registrar)

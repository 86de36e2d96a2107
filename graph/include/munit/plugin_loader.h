#pragma once
// Loads plugins into a registry. A plugin is named by a path, or by a name searched for (as
// NAME, libNAME.so, NAME.so) in the pipeline's folder, then each folder of MUNIT_PLUGIN_PATH, then
// the default folder: `plugins/` beside the munit executable (a build tree), else
// `../lib/munit/plugins` from it (an installed bin/munit).
#include <string>
#include <vector>

#include "munit/registry.h"

namespace munit {

// Returns the path of the plugin, or throws UserError saying where it looked.
std::string find_plugin(const std::string& name_or_path, const std::string& base_dir);

// Throws UserError when the file is missing, is no plugin, has another ABI version or registers a
// kind that exists already.
void load_plugin(Registry& registry, const std::string& path);

}  // namespace munit

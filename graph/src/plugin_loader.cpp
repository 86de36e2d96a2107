#include "munit/plugin_loader.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <boost/system/system_error.hpp>

#include "munit/errors.h"
#include "munit/plugin.h"
#include "suggest.h"

namespace fs = std::filesystem;

namespace munit {
namespace {

// plugins/ beside munit in a build tree; PREFIX/lib/munit/plugins for an installed PREFIX/bin/munit
// (found from the executable, so a moved prefix still finds its plugins).
fs::path default_folder(const fs::path& program_dir) {
  fs::path beside = program_dir / "plugins";
  if (fs::is_directory(beside)) return beside;
  return (program_dir.parent_path() / MUNIT_INSTALL_PLUGIN_DIR).lexically_normal();
}

std::vector<fs::path> search_folders(const std::string& base_dir) {
  std::vector<fs::path> folders;
  if (!base_dir.empty()) folders.emplace_back(base_dir);
  if (const char* env = std::getenv("MUNIT_PLUGIN_PATH")) {
    std::stringstream stream(env);
    for (std::string folder; std::getline(stream, folder, ':');)
      if (!folder.empty()) folders.emplace_back(folder);
  }
  boost::system::error_code ec;
  auto program = boost::dll::program_location(ec);
  if (!ec) folders.push_back(default_folder(program.parent_path().string()));
  return folders;
}

}  // namespace

std::string find_plugin(const std::string& name_or_path, const std::string& base_dir) {
  fs::path given(name_or_path);
  bool is_path = given.has_parent_path() || given.extension() == ".so";
  if (is_path) {
    fs::path path = given.is_absolute() || base_dir.empty() ? given : fs::path(base_dir) / given;
    if (fs::exists(path)) return path.lexically_normal().string();
    if (given.has_parent_path()) throw UserError("plugin file not found: " + path.lexically_normal().string());
  }
  std::vector<std::string> looked;
  for (const auto& folder : search_folders(base_dir)) {
    for (const auto& file : {name_or_path, "lib" + name_or_path + ".so", name_or_path + ".so"}) {
      fs::path candidate = folder / file;
      if (fs::is_regular_file(candidate)) return candidate.lexically_normal().string();
    }
    looked.push_back(folder.string());
  }
  throw UserError("plugin '" + name_or_path + "' not found; looked in: " + join(looked) +
                  " (set MUNIT_PLUGIN_PATH to add folders)");
}

void load_plugin(Registry& registry, const std::string& path) {
  if (!fs::exists(path)) throw UserError("plugin file not found: " + path);
  // dlopen of a FIFO blocks until something writes to it; of a device, reads it.
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::is_regular_file(status))
    throw UserError("'" + path + "' is not a munit plugin: it is " +
                    (fs::is_directory(status) ? "a directory" : "not a regular file (a device, FIFO or socket?)") +
                    ", not a shared library");
  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    library->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const boost::system::system_error& e) {
    // Boost's what() appends its error code's text (a stale errno, e.g. "Bad file descriptor") to
    // "...load() failed (dlerror system message: TEXT)"; the message is dlerror()'s TEXT alone.
    std::string text = e.std::runtime_error::what();
    const std::string tag = "dlerror system message: ";
    if (std::size_t at = text.find(tag); at != std::string::npos && text.back() == ')')
      text = text.substr(at + tag.size(), text.size() - at - tag.size() - 1);
    throw UserError("'" + path + "' is not a munit plugin: it cannot be loaded as a shared library (" + text + ")");
  } catch (const std::exception& e) {
    throw UserError("'" + path + "' is not a munit plugin: it cannot be loaded as a shared library (" +
                    e.what() + ")");
  }
  if (!library->has(kPluginEntryName))
    throw UserError("'" + path + "' is a shared library but not a munit plugin: it exports no '" +
                    std::string(kPluginEntryName) + "' entry point (see MUNIT_PLUGIN in munit/plugin.h)");

  PluginInfo info = library->get_alias<PluginEntry>(kPluginEntryName)();
  if (info.abi_major != kAbiMajor || info.abi_minor > kAbiMinor)
    throw UserError("plugin '" + path + "' was built for munit ABI " + std::to_string(info.abi_major) + "." +
                    std::to_string(info.abi_minor) + ", but this munit has ABI " + std::to_string(kAbiMajor) +
                    "." + std::to_string(kAbiMinor) + " (the major must match, the minor must not be newer): " +
                    "rebuild the plugin against this munit's SDK headers");

  registry.begin_plugin(path, library);
  try {
    info.register_kinds(registry);
  } catch (...) {
    registry.end_plugin();
    throw;
  }
  registry.end_plugin();
}

}  // namespace munit

#pragma once
// Files that appear whole or not at all: written to a temporary name in the same folder, flushed to
// disk (fsync), renamed over the target, and the folder synced so the rename survives a crash.
#include <filesystem>
#include <string_view>

namespace munit {

// Throws std::runtime_error naming the path and the system's reason.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace munit

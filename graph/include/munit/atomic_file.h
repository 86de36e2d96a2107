#pragma once
// Files that appear whole or not at all: written to a temporary name in the same folder, flushed to
// disk (fsync), renamed over the target, and the folder synced so the rename survives a crash.
//
// The temporary is NAME.tmp-munit-<pid>-<n>, created exclusively (a fresh <n> per write, so threads
// and processes never share one). A writer killed mid-write leaves it behind; remove_stale_temporaries
// deletes those whose process is gone.
#include <cstddef>
#include <filesystem>
#include <string_view>

namespace munit {

// What to do when the target exists: replace it (a regular file only), or refuse.
enum class Existing { replace, refuse };

// Throws std::runtime_error naming the path and the system's reason. A target that exists but is not
// a regular file (a device, FIFO, directory, socket) is always refused and left as it is.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           Existing existing = Existing::replace);

// Deletes the temporaries (NAME.tmp-munit-<pid>-<n>) in `folder` whose writer process no longer
// exists; nothing else. Returns how many it removed (also logged when not 0). A missing folder holds none.
std::size_t remove_stale_temporaries(const std::filesystem::path& folder);

}  // namespace munit

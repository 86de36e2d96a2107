#pragma once
// Reading input files safely: only regular files are read (a FIFO would block forever, /dev/zero
// never end, a directory read as empty), and files parsed whole have a size limit. The file is
// opened first (O_NONBLOCK, so opening a FIFO does not wait for a writer) and the opened
// descriptor is checked with fstat, so what is checked is what is read.
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>

#include "munit/errors.h"

namespace munit {

inline constexpr std::size_t kMaxTextFileBytes = std::size_t(16) << 20;  // TOML, YAML, text lists
inline constexpr std::size_t kNoSizeLimit = std::numeric_limits<std::size_t>::max();

// "cannot read 'PATH': REASON"; reason() alone is for messages that name the file their own way.
class FileError : public UserError {
 public:
  FileError(const std::filesystem::path& path, std::string reason)
      : UserError("cannot read '" + path.string() + "': " + reason), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

// An open regular file. Every error is a FileError naming the path and saying why: missing,
// permission denied, a directory, a device or FIFO, larger than `max_bytes`.
class RegularFile {
 public:
  explicit RegularFile(const std::filesystem::path& path, std::size_t max_bytes = kNoSizeLimit);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::size_t size() const { return size_; }
  // Up to `n` bytes at `offset` (fewer only at the end of the file); throws UserError on a read error.
  std::size_t read_at(std::size_t offset, void* buffer, std::size_t n) const;
  std::string read_all() const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t size_ = 0;
};

// The whole of a regular file of at most `max_bytes`.
std::string read_regular_file(const std::filesystem::path& path, std::size_t max_bytes = kMaxTextFileBytes);

}  // namespace munit

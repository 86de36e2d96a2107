#include "munit/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

namespace munit {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTemporaryTag = ".tmp-munit-";

[[noreturn]] void fail(const std::string& what, const fs::path& path, int error = errno) {
  throw std::runtime_error("cannot " + what + " '" + path.string() + "': " + std::strerror(error));
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The target as it is now: refused unless it is absent, or a regular file we may replace.
void check_target(const fs::path& path, Existing existing) {
  struct stat status;
  if (::lstat(path.c_str(), &status) != 0) {
    if (errno == ENOENT) return;
    fail("write", path);
  }
  if (S_ISLNK(status.st_mode) && ::stat(path.c_str(), &status) != 0) {
    if (errno == ENOENT) return;  // a dangling link: the rename replaces the link
    fail("write", path);
  }
  if (!S_ISREG(status.st_mode))
    throw std::runtime_error("cannot write '" + path.string() + "': it is " + kind_of(status.st_mode) +
                             ", not a regular file; it is left as it is");
  if (existing == Existing::refuse) throw std::runtime_error("cannot write '" + path.string() + "': it exists already");
}

// Creates NAME.tmp-munit-<pid>-<n> exclusively; returns its descriptor and sets `temporary`.
int create_temporary(const fs::path& path, fs::path& temporary) {
  static std::atomic<unsigned long> counter{0};
  while (true) {
    temporary = path;
    temporary += std::string(kTemporaryTag) + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) fail("create", temporary);
  }
}

// The pid in NAME.tmp-munit-<pid>-<n>, or -1 when `name` is not one of our temporaries.
long temporary_pid(const std::string& name) {
  std::size_t tag = name.rfind(kTemporaryTag);
  if (tag == std::string::npos || tag == 0) return -1;
  std::size_t begin = tag + kTemporaryTag.size();
  std::size_t dash = name.find('-', begin);
  if (dash == std::string::npos || dash == begin || dash + 1 == name.size()) return -1;
  for (std::size_t i = begin; i < name.size(); ++i)
    if (i != dash && !std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
  if (dash - begin > 9) return -1;
  return std::stol(name.substr(begin, dash - begin));
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view bytes, Existing existing) {
  check_target(path, existing);
  fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  fs::path temporary;
  int fd = create_temporary(path, temporary);
  auto abandon = [&](const std::string& what, const fs::path& named) {
    int saved = errno;
    ::unlink(temporary.c_str());
    fail(what, named, saved);
  };
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      abandon("write", temporary);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    abandon("flush", temporary);
  }
  if (::close(fd) != 0) abandon("flush", temporary);
  // Refusing: link() fails with EEXIST instead of replacing, so a target that appeared meanwhile
  // survives. (A file system without hard links falls back to the check and rename below.)
  bool linked = false;
  if (existing == Existing::refuse) {
    if (::link(temporary.c_str(), path.c_str()) == 0) {
      linked = true;
      ::unlink(temporary.c_str());
    } else if (errno == EEXIST) {
      ::unlink(temporary.c_str());
      throw std::runtime_error("cannot write '" + path.string() + "': it exists already");
    } else if (errno != EPERM && errno != EOPNOTSUPP) {
      abandon("rename into", path);
    }
  }
  if (!linked) {
    // Checked again just before the rename, which would replace a device node or FIFO made meanwhile.
    try {
      check_target(path, existing);
    } catch (...) {
      ::unlink(temporary.c_str());
      throw;
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) abandon("rename into", path);
  }
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::size_t remove_stale_temporaries(const fs::path& folder) {
  std::error_code error;
  std::size_t removed = 0;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const long pid = temporary_pid(it->path().filename().string());
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    std::error_code ignored;
    if (it->is_regular_file(ignored) && fs::remove(it->path(), ignored)) ++removed;
  }
  if (removed > 0)
    spdlog::info("removed {} temporary file{} left in {} by a writer that was killed", removed,
                 removed == 1 ? "" : "s", folder.string());
  return removed;
}

}  // namespace munit

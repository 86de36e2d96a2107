#include "munit/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>


namespace munit {
namespace {

std::string reason(int error) {
  switch (error) {
    case ENOENT: return "no such file";
    case EACCES:
    case EPERM: return "permission denied";
    case ENOTDIR: return "a folder on its path is not a directory";
    default: return std::strerror(error);
  }
}

const char* not_regular(mode_t mode) {
  if (S_ISDIR(mode)) return "it is a directory, not a file";
  if (S_ISFIFO(mode)) return "it is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "it is a device, not a regular file";
  if (S_ISSOCK(mode)) return "it is a socket, not a regular file";
  return "it is not a regular file";
}

std::string mebibytes(std::size_t bytes) {
  return std::to_string((bytes + (std::size_t(1) << 20) - 1) >> 20) + " MiB";
}

}  // namespace

RegularFile::RegularFile(const std::filesystem::path& path, std::size_t max_bytes) : path_(path) {
  auto refuse = [&](const std::string& why) { return FileError(path, why); };
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd_ < 0) throw refuse(reason(errno));
  struct stat status;
  if (::fstat(fd_, &status) != 0) {
    int error = errno;
    ::close(fd_);
    throw refuse(reason(error));
  }
  if (!S_ISREG(status.st_mode)) {
    ::close(fd_);
    throw refuse(not_regular(status.st_mode));
  }
  size_ = static_cast<std::size_t>(status.st_size);
  if (size_ > max_bytes) {
    ::close(fd_);
    throw refuse("it holds " + std::to_string(size_) + " bytes, more than the " + mebibytes(max_bytes) +
                 " such a file may have");
  }
}

RegularFile::~RegularFile() { ::close(fd_); }

std::size_t RegularFile::read_at(std::size_t offset, void* buffer, std::size_t n) const {
  std::size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_, static_cast<char*>(buffer) + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw FileError(path_, reason(errno));
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

std::string RegularFile::read_all() const {
  std::string bytes(size_, '\0');
  bytes.resize(read_at(0, bytes.data(), size_));  // a file that shrank meanwhile reads short
  return bytes;
}

std::string read_regular_file(const std::filesystem::path& path, std::size_t max_bytes) {
  return RegularFile(path, max_bytes).read_all();
}

}  // namespace munit

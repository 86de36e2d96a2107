#pragma once
// A command run in the background, its output (stdout and stderr together) read as it comes: a
// test waits for the line that says the command is ready instead of guessing how long that takes.
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace munit::testing {

// Generous: a limit is reached only when what the test waits for never comes.
constexpr std::chrono::seconds kPatience{120};

// What `munit run` logs once its Ctrl-C handler is installed (cli/main.cpp).
constexpr const char* kCtrlCHandled = "Ctrl-C stops the run cleanly";

// Polls `condition` until it holds (true) or `limit` passes (false).
template <class Condition>
bool eventually(Condition condition, std::chrono::seconds limit = kPatience) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

class Background {
 public:
  explicit Background(std::vector<std::string> argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    const int error = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (error != 0) {
      ::close(fds[0]);
      throw std::runtime_error("cannot start " + argv[0]);
    }
    reader_ = std::thread([this, fd = fds[0]] {
      char buffer[4096];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        std::lock_guard<std::mutex> lock(mutex_);
        output_.append(buffer, static_cast<std::size_t>(n));
        changed_.notify_all();
      }
      ::close(fd);
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      changed_.notify_all();
    });
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  ~Background() {
    if (exit_code_ < 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
    reader_.join();
  }

  // True once `text` is in the output; false if the output ends or `limit` passes first.
  bool wait_for(const std::string& text, std::chrono::seconds limit = kPatience) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return output_.find(text) != std::string::npos || closed_; }) &&
           output_.find(text) != std::string::npos;
  }

  void signal(int number) { ::kill(pid_, number); }

  // The exit code (128 + signal when killed by one), or -1 if it still runs after `limit`.
  int wait(std::chrono::seconds limit = kPatience) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_for(lock, limit, [&] { return closed_; })) return -1;
    lock.unlock();
    return reap();
  }

  std::string output() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return output_;
  }

 private:
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string output_;
  bool closed_ = false;
};

}  // namespace munit::testing

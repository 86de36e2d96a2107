// Reliability of file writing and reading (issue 16): the atomic writer never replaces a device,
// FIFO or directory, never silently overwrites a checkpoint, never shares a temporary between
// writers, and stale temporaries of killed writers are cleaned up; readers read only regular files,
// within a size limit where a file is parsed whole, so a FIFO, /dev/zero or a directory is a clear
// error and never a hang or unbounded memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <mutex>
#include <thread>

#include "../support/command.h"
#include "../support/tiny_training.h"
#include "../support/scratch_dir.h"
#include "munit/atomic_file.h"
#include "torchio/torch_file.h"

namespace munit::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const fs::path kSample = fs::path(MUNIT_SOURCE_DIR) / "tests" / "data" / "sample_zip.pt";

class Files : public ::testing::Test {
 protected:
  Files() { fs::permissions(dir, fs::perms::all & ~(fs::perms::group_write | fs::perms::others_write)); }  // 0755

  fs::path write(const std::string& name, const std::string& text) {
    fs::path path = dir / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  fs::path fifo(const std::string& name) {
    fs::path path = dir / name;
    EXPECT_EQ(::mkfifo(path.c_str(), 0644), 0) << path;
    return path;
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static bool is_fifo(const fs::path& path) {
    struct stat status;
    return ::lstat(path.c_str(), &status) == 0 && S_ISFIFO(status.st_mode);
  }
  // A command that must finish quickly: a hang fails the test (exit 124) instead of blocking it, and
  // unbounded reading is stopped by the memory limit.
  static CommandResult quick(const std::string& arguments) {
    return run_command(std::string(kMemoryLimit) + "timeout 20 " + MUNIT_BINARY + " " + arguments);
  }
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of address space for its shadow memory, so `ulimit -v`
  // would stop it from starting; its own allocator limit bounds the heap instead.
  static constexpr const char* kMemoryLimit = "ASAN_OPTIONS=\"$ASAN_OPTIONS:malloc_limit_mb=16000\" ";
#else
  static constexpr const char* kMemoryLimit = "ulimit -v 16000000; ";
#endif
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  ScratchDir scratch{"munit_files"};
  fs::path dir = scratch.path();
};

// ---- item 2: the atomic writer and `munit checkpoint convert` ----

TEST_F(Files, ConvertRefusesADeviceNodeOrFifoAndLeavesItAsItIs) {
  // Our own device node (the null device's numbers), not /dev/null: a writer that replaced it
  // would not break the machine.
  const fs::path device = dir / "null";
  const bool have_device = ::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
  std::vector<fs::path> targets{fifo("out.fifo")};
  if (have_device) targets.push_back(device);
  for (const fs::path& target : targets) {
    for (const char* flag : {"", " --overwrite"}) {
      auto result = quick("checkpoint convert " + kSample.string() + " " + target.string() + flag);
      EXPECT_EQ(result.exit_code, 2) << target << flag << ": " << result.output;
      EXPECT_THAT(result.output, HasSubstr(target.string()));
      EXPECT_THAT(result.output, HasSubstr("not a regular file"));
      struct stat status;
      ASSERT_EQ(::lstat(target.c_str(), &status), 0);
      EXPECT_TRUE(target == device ? S_ISCHR(status.st_mode) : S_ISFIFO(status.st_mode)) << target << " was replaced";
    }
  }
  if (!have_device) std::cout << "(no device node case: mknod is not permitted here)\n";
}

TEST_F(Files, AtomicWriterRefusesTargetsThatAreNotRegularFiles) {
  const fs::path pipe = fifo("target.fifo");
  const fs::path folder = dir / "folder";
  fs::create_directories(folder);
  for (const fs::path& target : {pipe, folder}) {
    try {
      write_file_atomically(target, "bytes");
      ADD_FAILURE() << target << " was written";
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), HasSubstr(target.string()));
      EXPECT_THAT(e.what(), HasSubstr("not a regular file"));
    }
  }
  EXPECT_TRUE(is_fifo(pipe));
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_THAT(names(), ::testing::ElementsAre("folder", "target.fifo"));  // no temporary left
}

TEST_F(Files, ConvertRefusesAnExistingOutputUnlessOverwriteIsGiven) {
  const fs::path output = write("b.pt", "precious");
  auto refused = munit("checkpoint convert " + kSample.string() + " " + output.string());
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr(output.string()));
  EXPECT_THAT(refused.output, HasSubstr("--overwrite"));
  EXPECT_EQ(read(output), "precious");

  auto replaced = munit("checkpoint convert " + kSample.string() + " " + output.string() + " --overwrite");
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_NO_THROW(load_torch_file(output));

  const fs::path fresh = dir / "fresh.pt";  // a new output needs no flag
  EXPECT_EQ(munit("checkpoint convert " + kSample.string() + " " + fresh.string()).exit_code, 0);
  EXPECT_NO_THROW(load_torch_file(fresh));
  EXPECT_THAT(names(), ::testing::ElementsAre("b.pt", "fresh.pt"));
}

TEST_F(Files, AtomicWriterRefusesAnExistingFileWhenAskedTo) {
  const fs::path target = write("kept.txt", "old");
  EXPECT_THROW(write_file_atomically(target, "new", Existing::refuse), std::runtime_error);
  EXPECT_EQ(read(target), "old");
  write_file_atomically(dir / "new.txt", "new", Existing::refuse);
  EXPECT_EQ(read(dir / "new.txt"), "new");
  EXPECT_THAT(names(), ::testing::ElementsAre("kept.txt", "new.txt"));
}

TEST_F(Files, ThreadsWritingOneTargetAtOnceNeverFailAndLeaveOneWholeFile) {
  const fs::path target = dir / "shared.bin";
  std::atomic<int> failures{0};
  std::string last_error;
  std::mutex error_mutex;
  auto writer = [&](char fill, std::size_t size) {
    const std::string bytes(size, fill);
    for (int i = 0; i < 200; ++i) {
      try {
        write_file_atomically(target, bytes);
      } catch (const std::exception& e) {
        ++failures;
        std::lock_guard<std::mutex> lock(error_mutex);
        last_error = e.what();
      }
    }
  };
  std::thread a(writer, 'a', 300000), b(writer, 'b', 200000);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0) << last_error;
  const std::string bytes = read(target);
  EXPECT_TRUE(bytes == std::string(300000, 'a') || bytes == std::string(200000, 'b'))
      << "a mixed or torn file of " << bytes.size() << " bytes";
  EXPECT_THAT(names(), ::testing::ElementsAre("shared.bin"));
}

// ---- item 4: temporaries left by killed writers ----

pid_t dead_pid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST_F(Files, StaleTemporariesOfDeadWritersAreRemovedAndNothingElse) {
  const std::string dead = std::to_string(dead_pid());
  write("gen_00000010.pt.tmp-munit-" + dead + "-0", "partial");
  write("image.png.tmp-munit-" + dead + "-12", "partial");
  write("alive.pt.tmp-munit-1-3", "pid 1 is alive");
  write("mine.pt.tmp-munit-" + std::to_string(::getpid()) + "-4", "this process is writing it");
  write("notes.txt", "unrelated");
  write("other.tmp-munit-x1-2", "not our pattern");
  write("old.pt.tmp" + dead, "an older naming: not ours to judge");
  write(".tmp-munit-" + dead + "-1", "no name before the tag");

  EXPECT_EQ(remove_stale_temporaries(dir), 2u);
  EXPECT_THAT(names(), ::testing::ElementsAre(".tmp-munit-" + dead + "-1", "alive.pt.tmp-munit-1-3",
                                              "mine.pt.tmp-munit-" + std::to_string(::getpid()) + "-4",
                                              "notes.txt", "old.pt.tmp" + dead, "other.tmp-munit-x1-2"));
  EXPECT_EQ(remove_stale_temporaries(dir / "missing"), 0u);
}

TEST_F(Files, AnImageWriterRemovesStaleTemporariesFromItsFolder) {
  const fs::path out = dir / "images";
  fs::create_directories(out);
  const std::string stale = "frame.png.tmp-munit-" + std::to_string(dead_pid()) + "-0";
  std::ofstream(out / stale) << "partial";
  std::ofstream(out / "keep.txt") << "unrelated";
  const fs::path pipeline = write("p.toml", "[pipeline]\nmode = \"infer\"\n"
                                            "[nodes.images]\nkind = \"data.pattern\"\ncount = 1\nbatch = 1\nsize = 8\n"
                                            "[nodes.save]\nkind = \"io.image_writer\"\nin = \"images.out\"\n"
                                            "dir = \"" + out.string() + "\"\n");
  auto result = munit("run " + pipeline.string());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_FALSE(fs::exists(out / stale));
  EXPECT_TRUE(fs::exists(out / "keep.txt"));
  EXPECT_THAT(result.output, HasSubstr("removed 1 temporary file"));
}

TEST_F(Files, ACheckpointWriterRemovesStaleTemporariesFromItsFolder) {
  const fs::path run = dir / "run";
  fs::create_directories(run / "ckpt");
  const std::string stale = "gen_00000002.pt.tmp-munit-" + std::to_string(dead_pid()) + "-5";
  std::ofstream(run / "ckpt" / stale) << "partial";
  auto result = run_command(std::string(MUNIT_BINARY) + " run " + write_pipeline(run, 1, false).string());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_FALSE(fs::exists(run / "ckpt" / stale));
  EXPECT_TRUE(fs::exists(run / "ckpt" / "gen_00000001.pt"));
  EXPECT_THAT(result.output, HasSubstr("removed 1 temporary file"));
}

// ---- item 7: only regular files are read, within a size limit ----

TEST_F(Files, AnIncludeOfDevZeroAFifoADirectoryOrAHugeFileIsRefusedQuickly) {
  fifo("base.fifo");
  fs::create_directories(dir / "base_dir");
  const fs::path huge = write("huge.toml", "");
  fs::resize_file(huge, (std::size_t(16) << 20) + 1);  // over the 16 MiB limit; sparse: no disk used
  struct Case {
    std::string include, says;
  };
  for (const Case& c : {Case{"/dev/zero", "not a regular file"}, Case{"base.fifo", "FIFO"},
                        Case{"base_dir", "directory"}, Case{"huge.toml", "more than the 16 MiB"}}) {
    const fs::path pipeline = write("p.toml", "include = \"" + c.include + "\"\n[pipeline]\nmode = \"infer\"\n");
    auto result = quick("validate " + pipeline.string());
    EXPECT_EQ(result.exit_code, 2) << c.include << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr(c.says)) << c.include;
    EXPECT_THAT(result.output, HasSubstr("p.toml:1:")) << c.include << ": the include line is named";
  }
}

TEST_F(Files, APipelineFileThatIsAFifoOrDirectoryIsRefusedQuickly) {
  const fs::path pipe = fifo("pipeline.toml");
  for (const auto& [path, says] : {std::pair{pipe, "FIFO"}, {dir, "directory"}}) {
    auto result = quick("validate " + path.string());
    EXPECT_EQ(result.exit_code, 2) << path << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr(says));
  }
}

TEST_F(Files, APluginOrCheckpointThatIsAFifoIsRefusedQuickly) {
  const fs::path pipe = fifo("plugin.so");
  auto plugin = quick("nodes --plugin " + pipe.string());
  EXPECT_EQ(plugin.exit_code, 2) << plugin.output;
  EXPECT_THAT(plugin.output, HasSubstr("not a regular file"));
  auto show = quick("checkpoint show " + pipe.string());
  EXPECT_EQ(show.exit_code, 2) << show.output;
  EXPECT_THAT(show.output, HasSubstr("FIFO"));
  auto device = quick("checkpoint show /dev/zero");
  EXPECT_EQ(device.exit_code, 2) << device.output;
  EXPECT_THAT(device.output, HasSubstr("device"));
}

// ---- item 10: messages that say what is wrong ----

TEST_F(Files, CheckpointShowOfADirectorySaysItIsADirectory) {
  auto result = quick("checkpoint show " + dir.string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("is a directory"));
  EXPECT_THAT(result.output, Not(HasSubstr("empty")));
}

TEST_F(Files, AnUnreadableFileSaysPermissionDenied) {
  // Root reads any file, so as root the command runs as nobody (setpriv), for whom mode 000 applies.
  const fs::path file = write("locked.pt", read(kSample));
  const fs::path pipeline = write("locked.toml", "[pipeline]\nmode = \"infer\"\n");
  fs::permissions(file, fs::perms::none);
  fs::permissions(pipeline, fs::perms::none);
  std::string as_user;
  if (::geteuid() == 0) {
    if (run_command("setpriv --reuid=65534 --regid=65534 --clear-groups true").exit_code != 0)
      GTEST_SKIP() << "running as root without setpriv: permissions do not apply to root";
    as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  for (const std::string& command : {"checkpoint show " + file.string(), "validate " + pipeline.string()}) {
    auto result = run_command(as_user + "timeout 20 " + MUNIT_BINARY + " " + command);
    EXPECT_EQ(result.exit_code, 2) << command << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr("permission denied")) << command;
  }
}

TEST_F(Files, APluginDlopenRefusesIsReportedWithDlerrorsTextAlone) {
  const fs::path fake = write("libfake.so", "not an ELF file, just text long enough to be read as a header......");
  auto result = quick("nodes --plugin " + fake.string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("cannot be loaded as a shared library"));
  EXPECT_THAT(result.output, HasSubstr("ELF"));  // dlerror's own words
  EXPECT_THAT(result.output, Not(HasSubstr("Bad file descriptor")));
}

}  // namespace
}  // namespace munit::testing

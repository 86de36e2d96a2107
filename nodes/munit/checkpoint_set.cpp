#include "checkpoint_set.h"

#include <zlib.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checkpoint.h"
#include "munit/atomic_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace munit::model {
namespace {

constexpr const char* kFormat = "munit checkpoint set";
constexpr int kVersion = 1;
constexpr const char* kOfficialOptimizer = "optimizer.pt";

// Fault injection for tests/model/checkpoint_set_test.cpp: MUNIT_TEST_KILL_AT_CHECKPOINT_STEP=n
// kills the process (SIGKILL, no cleanup) at the n-th step of checkpoint writing in this run.
void crash_point() {
  static const long kill_at = [] {
    const char* value = std::getenv("MUNIT_TEST_KILL_AT_CHECKPOINT_STEP");
    return value ? std::atol(value) : 0L;
  }();
  static std::atomic<long> steps{0};
  if (kill_at > 0 && ++steps == kill_at) std::raise(SIGKILL);
}

struct FileCheck {
  std::uintmax_t bytes = 0;
  std::uint32_t crc32 = 0;
};

FileCheck check_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.filename().string());
  FileCheck check;
  uLong crc = ::crc32(0L, Z_NULL, 0);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<uInt>(n));
    check.bytes += n;
  }
  check.crc32 = static_cast<std::uint32_t>(crc);
  return check;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path.string() + "'");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

json read_manifest(const fs::path& path) {
  json manifest = json::parse(read_bytes(path), nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object() || manifest.value("format", "") != kFormat)
    throw std::runtime_error("the manifest is not readable JSON of a munit checkpoint set");
  return manifest;
}

void write_manifest(const fs::path& path, const json& manifest) {
  write_file_atomically(path, manifest.dump(2) + "\n");
}

// The part `role` of a manifest, checked against the file on disk; throws the reason it fails.
fs::path checked_part(const fs::path& dir, const json& manifest, const std::string& role) {
  const json& parts = manifest.at("parts");
  if (!parts.contains(role)) {
    if (role == "optimizer")
      throw std::runtime_error("it keeps weights only (sets older than the newest two keep no optimizer state)");
    throw std::runtime_error("it lists no " + role + " part");
  }
  const json& part = parts.at(role);
  const std::string name = part.at("file").get<std::string>();
  if (fs::path(name).filename().string() != name) throw std::runtime_error("its " + role + " part is not a file name");
  const fs::path file = dir / name;
  std::error_code error;
  if (!fs::is_regular_file(file, error)) throw std::runtime_error(name + " is missing");
  const FileCheck check = check_of(file);
  if (check.bytes != part.at("bytes").get<std::uintmax_t>())
    throw std::runtime_error(fmt::format("{} has {} bytes, the manifest says {} (torn or replaced)", name,
                                         check.bytes, part.at("bytes").get<std::uintmax_t>()));
  if (check.crc32 != part.at("crc32").get<std::uint32_t>())
    throw std::runtime_error(name + " does not match its CRC-32 (damaged or replaced)");
  return file;
}

CheckpointSet checked_set(const fs::path& dir, std::int64_t iterations, const fs::path& manifest_file) {
  const json manifest = read_manifest(manifest_file);
  try {
    if (manifest.at("iterations").get<std::int64_t>() != iterations)
      throw std::runtime_error("the manifest names another iteration than its file name");
    return {iterations, checked_part(dir, manifest, "gen"), checked_part(dir, manifest, "dis"),
            checked_part(dir, manifest, "optimizer")};
  } catch (const json::exception&) {
    throw std::runtime_error("the manifest lacks a field or has one of the wrong type");
  }
}

void remove_quietly(const fs::path& path) {
  std::error_code error;
  fs::remove(path, error);
}

}  // namespace

fs::path manifest_path(const fs::path& dir, std::int64_t iterations) {
  return checkpoint_path(dir, "checkpoint", iterations).replace_extension(".json");
}

void write_checkpoint_set(const fs::path& dir, std::int64_t iterations, const TrainingState& state) {
  const fs::path optimizer = checkpoint_path(dir, "optimizer", iterations);
  const fs::path dis = checkpoint_path(dir, "dis", iterations);
  const fs::path gen = checkpoint_path(dir, "gen", iterations);
  crash_point();
  save_optimizers(optimizer, state.gen_optimizer, state.dis_optimizer, iterations);
  crash_point();
  save_pair(dis, state.dis_a, state.dis_b, iterations);
  crash_point();
  save_pair(gen, state.gen_a, state.gen_b, iterations);
  crash_point();
  write_file_atomically(dir / kOfficialOptimizer, read_bytes(optimizer));
  crash_point();

  json parts = json::object();
  for (const auto& [role, file] : {std::pair{"gen", gen}, {"dis", dis}, {"optimizer", optimizer}}) {
    const FileCheck check = check_of(file);
    parts[role] = {{"file", file.filename().string()}, {"bytes", check.bytes}, {"crc32", check.crc32}};
  }
  write_manifest(manifest_path(dir, iterations),
                 {{"format", kFormat}, {"version", kVersion}, {"iterations", iterations}, {"parts", parts}});
  crash_point();
}

ResumePoint find_resume_point(const fs::path& dir) {
  ResumePoint point;
  const auto manifests = numbered_files(dir, "checkpoint", "json");
  const auto gens = numbered_files(dir, "gen", "pt");
  if (manifests.empty()) {
    if (gens.empty()) return point;
    if (!numbered_files(dir, "optimizer", "pt").empty()) {
      // munit's own layout, whose first set never committed.
      for (const auto& [iterations, gen] : gens)
        point.skipped.push_back(gen.filename().string() + ": its set never committed (the run stopped while checkpointing)");
      return point;
    }
    const auto& [iterations, gen] = *gens.rbegin();
    point.official_layout = true;
    point.set = CheckpointSet{iterations, gen, checkpoint_path(dir, "dis", iterations), dir / kOfficialOptimizer};
    return point;
  }
  point.any_manifest = true;
  for (auto it = manifests.rbegin(); it != manifests.rend() && !point.set; ++it) {
    try {
      point.set = checked_set(dir, it->first, it->second);
    } catch (const std::exception& e) {
      point.skipped.push_back(fmt::format("the set of iteration {} ({}): {}", it->first, it->second.filename().string(),
                                          e.what()));
    }
  }
  const std::int64_t resumed = point.set ? point.set->iterations : -1;
  for (auto it = gens.upper_bound(resumed); it != gens.end(); ++it)
    if (!manifests.count(it->first))
      point.skipped.push_back(it->second.filename().string() +
                              ": its set never committed (the run stopped while checkpointing)");
  return point;
}

void prune_checkpoint_sets(const fs::path& dir, std::int64_t keep) {
  const auto manifests = numbered_files(dir, "checkpoint", "json");
  if (manifests.empty()) return;
  std::vector<std::int64_t> committed;  // newest first
  for (auto it = manifests.rbegin(); it != manifests.rend(); ++it) committed.push_back(it->first);

  for (std::size_t i = 2; i < committed.size(); ++i) {
    const fs::path optimizer = checkpoint_path(dir, "optimizer", committed[i]);
    std::error_code error;
    if (!fs::exists(optimizer, error)) continue;
    try {  // the manifest first: a crash between the two leaves a set that says it keeps weights only
      json manifest = read_manifest(manifests.at(committed[i]));
      manifest.at("parts").erase("optimizer");
      write_manifest(manifests.at(committed[i]), manifest);
    } catch (const std::exception&) {
      continue;  // an unreadable manifest is not resumable anyway; leave its files for the user
    }
    remove_quietly(optimizer);
  }
  if (keep <= 0 || static_cast<std::int64_t>(committed.size()) <= keep) return;

  const std::int64_t newest = committed.front();
  const std::vector<std::int64_t> kept(committed.begin(), committed.begin() + keep);
  const auto is_kept = [&](std::int64_t iterations) {
    return iterations >= newest || std::find(kept.begin(), kept.end(), iterations) != kept.end();
  };
  for (const auto& [iterations, manifest] : manifests)  // uncommit first, then remove the parts
    if (!is_kept(iterations)) remove_quietly(manifest);
  for (const auto& [kind, extension] : {std::pair{"gen", "pt"}, {"dis", "pt"}, {"optimizer", "pt"}})
    for (const auto& [iterations, file] : numbered_files(dir, kind, extension))
      if (!is_kept(iterations)) remove_quietly(file);
}

}  // namespace munit::model

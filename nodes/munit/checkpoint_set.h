#pragma once
// A checkpoint set: everything io.checkpoint writes at one iteration, committed as one.
//   gen_XXXXXXXX.pt, dis_XXXXXXXX.pt   the official files (the official code and `munit translate` load them)
//   optimizer_XXXXXXXX.pt              this set's Adam states; optimizer.pt is a copy, the official name
//   checkpoint_XXXXXXXX.json           the manifest, written last: the commit marker
// XXXXXXXX is the iterations done. Each part records its iteration count, and the manifest lists
// each part's size and CRC-32, so a missing, replaced, torn or bit-flipped part is found before a
// resume loads it. The two newest sets keep their optimizer part (a resume can fall back one set);
// older ones keep weights only.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../optim/adam.h"
#include "discriminator.h"
#include "generator.h"

namespace munit::model {

struct TrainingState {
  const torch::nn::Module &gen_a, &gen_b, &dis_a, &dis_b;
  const optim::Adam &gen_optimizer, &dis_optimizer;
};

struct CheckpointSet {
  std::int64_t iterations = 0;
  std::filesystem::path gen, dis, optimizer;
};

std::filesystem::path manifest_path(const std::filesystem::path& dir, std::int64_t iterations);

// Writes the parts, the official optimizer.pt, then the manifest. Throws on failure: the folder's
// newest committed set is then the previous one.
void write_checkpoint_set(const std::filesystem::path& dir, std::int64_t iterations, const TrainingState& state);

// Where --resume starts: the newest committed set whose parts check out. `skipped` says, one line
// each, which newer sets or parts were passed over and why.
struct ResumePoint {
  std::optional<CheckpointSet> set;
  std::vector<std::string> skipped;
  bool any_manifest = false;     // some set committed once (`set` empty then: none checks out now)
  bool official_layout = false;  // no manifest at all: gen_/dis_/optimizer.pt of the official code or older munit
};
ResumePoint find_resume_point(const std::filesystem::path& dir);

// Keeps the newest `keep` committed sets (0: all), with the optimizer part only in the newest two.
// With keep > 0, parts older than the newest committed set that no kept set owns (sets that never
// committed, official files) go too, as older gen_/dis_ files always did.
void prune_checkpoint_sets(const std::filesystem::path& dir, std::int64_t keep);

}  // namespace munit::model

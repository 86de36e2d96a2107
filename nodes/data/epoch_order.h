#pragma once
// The order a data source reads `count` items in, as an endless stream of positions: position p
// is item p mod count, or, with `shuffle`, that slot of a seeded permutation drawn anew for every
// epoch (p / count). Safe to call from several frames at once; one epoch's permutation is cached.
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace munit::data {

class EpochOrder {
 public:
  EpochOrder(std::size_t count, bool shuffle, std::uint64_t seed);
  std::size_t at(std::int64_t position);
  std::size_t size() const { return count_; }

 private:
  std::shared_ptr<const std::vector<std::size_t>> permutation(std::int64_t epoch);

  std::size_t count_;
  bool shuffle_;
  std::uint64_t seed_;
  std::mutex mutex_;
  std::int64_t cached_epoch_ = -1;
  std::shared_ptr<const std::vector<std::size_t>> cached_;
};

}  // namespace munit::data

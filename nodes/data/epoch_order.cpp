#include "epoch_order.h"

#include <algorithm>
#include <numeric>

#include "../random.h"

namespace munit::data {

EpochOrder::EpochOrder(std::size_t count, bool shuffle, std::uint64_t seed)
    : count_(count), shuffle_(shuffle), seed_(seed) {}

std::size_t EpochOrder::at(std::int64_t position) {
  const auto n = static_cast<std::int64_t>(count_);
  if (!shuffle_) return static_cast<std::size_t>(position % n);
  return (*permutation(position / n))[position % n];
}

std::shared_ptr<const std::vector<std::size_t>> EpochOrder::permutation(std::int64_t epoch) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (epoch != cached_epoch_) {
    auto order = std::make_shared<std::vector<std::size_t>>(count_);
    std::iota(order->begin(), order->end(), std::size_t{0});
    auto rng = rng_for(seed_, epoch);
    std::shuffle(order->begin(), order->end(), rng);
    cached_ = std::move(order);
    cached_epoch_ = epoch;
  }
  return cached_;
}

}  // namespace munit::data

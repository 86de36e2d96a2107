#include "op_profile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <ATen/record_function.h>

namespace munit::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  double self_seconds = 0;
  std::int64_t calls = 0;
};

struct Shared {
  std::mutex mutex;
  std::map<std::string, Totals> by_name;
};
Shared& shared() {
  static Shared instance;
  return instance;
}

struct Open {
  Clock::time_point start;
  double children = 0;  // seconds spent in the operators it called
};
thread_local std::vector<Open> open_calls;

std::unique_ptr<at::ObserverContext> on_enter(const at::RecordFunction&) {
  open_calls.push_back({Clock::now(), 0});
  return nullptr;
}

void on_exit(const at::RecordFunction& fn, at::ObserverContext*) {
  if (open_calls.empty()) return;  // entered before the profile started
  const Open call = open_calls.back();
  open_calls.pop_back();
  const double total = std::chrono::duration<double>(Clock::now() - call.start).count();
  if (!open_calls.empty()) open_calls.back().children += total;
  std::lock_guard<std::mutex> lock(shared().mutex);
  Totals& totals = shared().by_name[fn.name()];
  totals.self_seconds += total - call.children;
  ++totals.calls;
}

}  // namespace

OpProfile::OpProfile()
    : handle_(at::addGlobalCallback(at::RecordFunctionCallback(on_enter, on_exit)
                                        .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}))) {}

OpProfile::~OpProfile() { stop(); }

void OpProfile::stop() {
  if (handle_ != 0) at::removeCallback(handle_);
  handle_ = 0;
}

void OpProfile::reset() {
  std::lock_guard<std::mutex> lock(shared().mutex);
  shared().by_name.clear();
}

void OpProfile::print(int top, std::size_t frames) const {
  std::vector<std::pair<std::string, Totals>> rows;
  {
    std::lock_guard<std::mutex> lock(shared().mutex);
    rows.assign(shared().by_name.begin(), shared().by_name.end());
  }
  double all = 0;
  for (const auto& row : rows) all += row.second.self_seconds;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.self_seconds > b.second.self_seconds; });
  const double per = frames > 0 ? 1.0 / static_cast<double>(frames) : 1.0;
  std::printf("  operators by self time (%.3f s of thread time per frame, all threads):\n", all * per);
  for (int i = 0; i < top && i < static_cast<int>(rows.size()); ++i) {
    const auto& [name, totals] = rows[i];
    std::printf("    %-40s %5.1f%%  %8.4f s/frame  %6.0f calls/frame\n", name.c_str(),
                all > 0 ? 100 * totals.self_seconds / all : 0.0, totals.self_seconds * per,
                static_cast<double>(totals.calls) * per);
  }
}

}  // namespace munit::cli

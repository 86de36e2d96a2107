#include "inert.h"

#include <algorithm>
#include <set>

namespace munit {
namespace {

bool is_inert(const ResolvedNode& node) {
  const std::string& param = node.schema().inert_when_zero;
  return !param.empty() && node.params.get<double>(param) == 0;
}

}  // namespace

std::vector<std::string> leave_out_inert(std::vector<ResolvedNode>& nodes) {
  const int n = static_cast<int>(nodes.size());
  std::vector<bool> out(n, false);

  // Who reads each node, and whether any of them reads it other than through a list input.
  std::vector<std::vector<int>> consumers(n);
  std::vector<bool> needed_whole(n, false);
  for (int i = 0; i < n; ++i) {
    const ResolvedNode& node = nodes[i];
    for (std::size_t input = 0; input < node.inputs.size(); ++input)
      for (const InputBinding& binding : node.inputs[input]) {
        if (binding.producer < 0) continue;
        consumers[binding.producer].push_back(i);
        if (!node.schema().inputs[input].list) needed_whole[binding.producer] = true;
      }
    for (int producer : node.after) {
      consumers[producer].push_back(i);
      needed_whole[producer] = true;
    }
  }

  // Inert nodes first, keeping at least one entry in every list they leave.
  for (int i = 0; i < n; ++i) {
    if (!is_inert(nodes[i]) || needed_whole[i]) continue;
    bool keeps_an_entry = true;
    for (int consumer : consumers[i])
      for (const auto& bindings : nodes[consumer].inputs) {
        const bool reads_it = std::any_of(bindings.begin(), bindings.end(), [&](const InputBinding& b) { return b.producer == i; });
        const bool other = std::any_of(bindings.begin(), bindings.end(),
                                       [&](const InputBinding& b) { return b.producer != i && b.producer >= 0 && !out[b.producer]; });
        if (reads_it && !other) keeps_an_entry = false;
      }
    if (keeps_an_entry) out[i] = true;
  }
  // Then, consumers before producers, whatever fed only what was left out.
  for (int i = n - 1; i >= 0; --i) {
    if (out[i] || consumers[i].empty()) continue;
    out[i] = std::all_of(consumers[i].begin(), consumers[i].end(), [&](int c) { return out[c]; });
  }

  std::vector<int> position(n, -1);
  std::vector<ResolvedNode> kept;
  std::vector<const ResolvedNode*> left;
  for (int i = 0; i < n; ++i) {
    if (out[i]) {
      left.push_back(&nodes[i]);
      continue;
    }
    position[i] = static_cast<int>(kept.size());
    kept.push_back(nodes[i]);
  }
  for (ResolvedNode& node : kept) {
    for (auto& bindings : node.inputs) {
      bindings.erase(std::remove_if(bindings.begin(), bindings.end(),
                                    [&](const InputBinding& b) { return b.producer >= 0 && out[b.producer]; }),
                     bindings.end());
      for (InputBinding& binding : bindings)
        if (binding.producer >= 0) binding.producer = position[binding.producer];
    }
    for (int& producer : node.after) producer = position[producer];
    std::set<int> upstream;
    for (int producer : node.upstream)
      if (!out[producer]) upstream.insert(position[producer]);
    node.upstream.assign(upstream.begin(), upstream.end());
  }
  std::sort(left.begin(), left.end(), [](const ResolvedNode* a, const ResolvedNode* b) { return a->where.line < b->where.line; });
  std::vector<std::string> ids;
  for (const ResolvedNode* node : left) ids.push_back(node->id);
  nodes = std::move(kept);
  return ids;
}

}  // namespace munit

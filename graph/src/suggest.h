#pragma once
// "Did you mean" for misspelled names.
#include <string>
#include <vector>

namespace munit {

// The candidate closest to `name` by edit distance, or "" when none is close enough.
std::string nearest(const std::string& name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates);

// "a, b, c"
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace munit

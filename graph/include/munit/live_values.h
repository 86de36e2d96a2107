#pragma once
// Values a node puts on the console's progress line, e.g. io.metrics' latest losses:
// "frame 1200/5000 (3.10 frames/s, ETA 0h20m26s) | step_gen.total 2.314 step_dis.total 0.498".
#include <string>

namespace munit {

void show_live_value(const std::string& name, double value);
// " | name value ..." in the order first shown, or "" when there is none.
std::string live_values_line();
void clear_live_values();

}  // namespace munit

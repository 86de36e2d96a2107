#include "recorded_iterations.h"

#include <fmt/format.h>

#include "munit/errors.h"

namespace munit {

void record_iterations(py::Object& file, std::int64_t iterations) {
  file.entries().emplace_back(py::Object::string(kIterationsEntry), py::Object::integer(iterations));
}

void check_recorded_iterations(const py::Object& file, const std::filesystem::path& path, std::int64_t expected) {
  if (expected < 0) return;
  const py::Object* recorded = file.is(py::Type::Dict) ? file.find(kIterationsEntry) : nullptr;
  if (!recorded || !recorded->is(py::Type::Int))
    throw UserError(fmt::format("'{}' records no iteration count, but its checkpoint set says {}: it is not the "
                                "part munit wrote for that set (replaced or copied in?)",
                                path.string(), expected));
  if (recorded->as_int() != expected)
    throw UserError(fmt::format("'{}' was saved at iteration {}, but its checkpoint set is of iteration {}: the "
                                "files belong to different iterations",
                                path.string(), recorded->as_int(), expected));
}

}  // namespace munit

#pragma once
// The pickle layer of torch files: Python's pickle protocol (0 to 5) as torch.save uses it, with
// tensors stored outside the pickle as storages named by a persistent id.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <ATen/core/Tensor.h>

#include "torchio/pyobject.h"

namespace munit::pickle {

// A persistent id ('storage', torch.<Type>Storage, key, location, numel[, view]) as torch writes it.
struct StorageRef {
  at::ScalarType dtype;
  std::string key;
  std::int64_t numel = 0;
  struct View {
    std::string key;
    std::int64_t offset = 0;  // in elements of the root storage
    std::int64_t numel = 0;
  };
  std::optional<View> view;  // legacy files only
};

// The deepest nesting of containers a pickle may hold, read or written (state dicts nest a few
// levels; a deeper file is malformed or hostile).
inline constexpr std::size_t kMaxNesting = 1000;

// Given a reference, the container format returns the storage's bytes (at least numel elements).
using StorageLoader = std::function<at::Storage(const StorageRef&)>;

// Reads one pickle starting at `offset` (advanced past its STOP opcode). Throws std::runtime_error
// with the byte offset on malformed, truncated or unsupported input, and on objects nested deeper
// than kMaxNesting or containing themselves.
py::Object read(std::string_view bytes, std::size_t& offset, const StorageLoader& storages);

// A storage a pickle refers to, for the container to store as `data/<key>`.
struct StorageOut {
  std::string key;
  at::Tensor data;  // contiguous, on the CPU
};

// Protocol 2, as torch.save writes it. Tensors are emitted as persistent ids; their data is
// appended to `storages` (each tensor its own compact storage). A container met again is written
// once and referenced (memo), as Python does; nesting deeper than kMaxNesting throws std::invalid_argument.
std::string write(const py::Object& object, std::vector<StorageOut>& storages);

}  // namespace munit::pickle

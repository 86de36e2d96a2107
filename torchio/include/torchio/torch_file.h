#pragma once
// Reading and writing files in torch.save's format without Python: the zip layout (torch >= 1.6)
// and the legacy one (torch 0.4 to 1.5), with their pickles. LibTorch's own pickle_load cannot read
// real state dicts (collections.OrderedDict) or optimizer files (APPEND), hence this.
//
// Only plain data is accepted: tensors, containers, numbers, strings and OrderedDicts. A file that
// asks for anything else (arbitrary Python classes) is refused, as torch.load(weights_only=True) does.
#include <filesystem>

#include "munit/atomic_file.h"
#include "torchio/pyobject.h"

namespace munit {

// Throws UserError naming the file when it is missing, not a torch file, truncated or unsupported.
py::Object load_torch_file(const std::filesystem::path& path);

// Writes the zip layout that torch.load reads (tensors on the CPU, each with its own storage).
// Atomic: a temporary file in the same folder, fsync, rename, fsync of the folder. `existing`:
// whether an existing file at `path` is replaced or refused (anything but a regular file always is).
void save_torch_file(const std::filesystem::path& path, const py::Object& object,
                     Existing existing = Existing::replace);

}  // namespace munit

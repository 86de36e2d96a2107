// The two containers torch.save has written: a zip archive (data.pkl + data/<key> per storage,
// torch >= 1.6) and the legacy stream (five pickles, then the raw storages, torch 0.4 to 1.5).
#include "torchio/torch_file.h"

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>

#include "munit/atomic_file.h"
#include "munit/errors.h"
#include "pickle.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

// The whole file, or its first `limit` bytes.
std::string read_all(const fs::path& path, std::size_t limit = std::string::npos) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot open '" + path.string() + "'" + (fs::exists(path) ? "" : ": no such file"));
  if (limit != std::string::npos) {
    std::string head(limit, '\0');
    in.read(head.data(), static_cast<std::streamsize>(limit));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

at::Storage byte_storage(std::size_t nbytes) {
  return at::Storage(at::Storage::use_byte_size_t(), nbytes, at::getCPUAllocator(), /*resizable=*/false);
}

void check_size(const pickle::StorageRef& ref, std::size_t nbytes) {
  std::size_t wanted = static_cast<std::size_t>(ref.numel) * c10::elementSize(ref.dtype);
  if (ref.numel < 0 || nbytes < wanted)
    throw std::runtime_error("storage '" + ref.key + "' holds " + std::to_string(nbytes) + " bytes, " +
                             std::to_string(wanted) + " expected");
}

py::Object load_zip(const fs::path& path) {
  caffe2::serialize::PyTorchStreamReader reader(path.string());
  if (reader.hasRecord("byteorder")) {
    auto [data, size] = reader.getRecord("byteorder");
    if (std::string(static_cast<const char*>(data.get()), size) != "little")
      throw std::runtime_error("big-endian files are not supported");
  }
  auto [pickle_data, pickle_size] = reader.getRecord("data.pkl");
  std::string_view pickle_bytes(static_cast<const char*>(pickle_data.get()), pickle_size);
  std::map<std::string, at::Storage> loaded;  // a storage shared by several tensors is read once
  auto storages = [&](const pickle::StorageRef& ref) {
    auto it = loaded.find(ref.key);
    if (it != loaded.end()) return it->second;
    std::string record = "data/" + ref.key;
    if (!reader.hasRecord(record)) throw std::runtime_error("storage '" + record + "' is missing");
    auto [data, size] = reader.getRecord(record);
    check_size(ref, size);
    at::Storage storage(at::Storage::use_byte_size_t(), size, std::move(data), /*allocator=*/nullptr, false);
    return loaded.emplace(ref.key, storage).first->second;
  };
  std::size_t offset = 0;
  return pickle::read(pickle_bytes, offset, storages);
}

py::Object load_legacy(const std::string& bytes) {
  std::string_view view(bytes);
  std::size_t offset = 0;
  auto no_storages = [](const pickle::StorageRef&) -> at::Storage {
    throw std::runtime_error("storage in a header pickle");
  };
  // The first pickle is the magic number 0x1950a86a20f9469cfc6c (wider than 64 bits): compare bytes.
  static const std::string_view magic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  if (view.substr(0, magic.size()) != magic) throw std::runtime_error("a pickle, but not a torch file");
  offset = magic.size();
  py::Object protocol = pickle::read(view, offset, no_storages);
  if (!protocol.is(py::Type::Int) || protocol.as_int() != 1001)
    throw std::runtime_error("unsupported legacy protocol " + protocol.describe());
  py::Object sys_info = pickle::read(view, offset, no_storages);
  if (const py::Object* little = sys_info.find("little_endian"); little && !little->as_bool())
    throw std::runtime_error("big-endian files are not supported");

  struct Root {
    at::Storage storage;
    at::ScalarType dtype;
    std::int64_t numel;
  };
  std::map<std::string, Root> roots;
  auto storages = [&](const pickle::StorageRef& ref) {
    auto it = roots.find(ref.key);
    if (it == roots.end()) {
      if (ref.numel < 0) throw std::runtime_error("negative storage size");
      it = roots.emplace(ref.key, Root{byte_storage(ref.numel * c10::elementSize(ref.dtype)), ref.dtype, ref.numel}).first;
    }
    if (ref.view && (ref.view->offset < 0 || ref.view->offset + ref.view->numel > ref.numel))
      throw std::runtime_error("storage view outside its storage");
    return it->second.storage;
  };
  py::Object object = pickle::read(view, offset, storages);
  py::Object keys = pickle::read(view, offset, no_storages);
  for (const auto& key : keys.items()) {
    auto it = roots.find(key.as_string());
    if (it == roots.end()) throw std::runtime_error("storage '" + key.as_string() + "' listed but never used");
    Root& root = it->second;
    if (view.size() - offset < 8) throw std::runtime_error("truncated (storage '" + key.as_string() + "')");
    std::int64_t numel;
    std::memcpy(&numel, view.data() + offset, 8);
    offset += 8;
    std::size_t nbytes = static_cast<std::size_t>(root.numel) * c10::elementSize(root.dtype);
    if (numel != root.numel) throw std::runtime_error("storage '" + key.as_string() + "' has the wrong size");
    if (view.size() - offset < nbytes) throw std::runtime_error("truncated (storage '" + key.as_string() + "')");
    std::memcpy(root.storage.data_ptr().get(), view.data() + offset, nbytes);
    offset += nbytes;
  }
  if (keys.items().size() != roots.size()) throw std::runtime_error("storages missing from the file");
  return object;
}

}  // namespace

py::Object load_torch_file(const fs::path& path) {
  // The zip layout is read in place; only the legacy one is read whole.
  std::string bytes = read_all(path, 512);
  auto refuse = [&](const std::string& why) {
    return UserError("'" + path.string() + "' is not a readable torch checkpoint: " + why);
  };
  if (bytes.empty()) throw refuse("the file is empty");
  try {
    if (bytes.compare(0, 4, "PK\x03\x04") == 0) return load_zip(path);
    if (bytes.size() > 262 && bytes.compare(257, 5, "ustar") == 0)
      throw std::runtime_error("the tar layout of torch < 0.4 is not supported; re-save it with a newer torch");
    if (static_cast<unsigned char>(bytes[0]) == 0x80) return load_legacy(read_all(path));
    throw std::runtime_error("neither a zip archive nor a pickle (it starts with byte " +
                             std::to_string(static_cast<unsigned char>(bytes[0])) + ")");
  } catch (const UserError&) {
    throw;
  } catch (const c10::Error& e) {
    throw refuse(e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw refuse(e.what());
  }
}

void save_torch_file(const fs::path& path, const py::Object& object) {
  std::vector<pickle::StorageOut> storages;
  std::string data_pkl = pickle::write(object, storages);
  std::string archive;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, std::size_t size) {
      archive.append(static_cast<const char*>(data), size);
      return size;
    });
    writer.writeRecord("data.pkl", data_pkl.data(), data_pkl.size());
    writer.writeRecord("byteorder", "little", 6);
    for (const auto& storage : storages)
      writer.writeRecord("data/" + storage.key, storage.data.data_ptr(), storage.data.nbytes());
    writer.writeEndOfFile();
  }
  write_file_atomically(path, archive);
}

}  // namespace munit

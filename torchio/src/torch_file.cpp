// The two containers torch.save has written: a zip archive (data.pkl + data/<key> per storage,
// torch >= 1.6) and the legacy stream (five pickles, then the raw storages, torch 0.4 to 1.5).
#include "torchio/torch_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>

#include "munit/atomic_file.h"
#include "munit/errors.h"
#include "munit/read_file.h"
#include "pickle.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

// The zip archive read through the opened file (regular, checked once), not by its name again.
class FileAdapter : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit FileAdapter(const RegularFile& file) : file_(file) {}
  size_t size() const override { return file_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    try {
      return file_.read_at(pos, buf, n);
    } catch (const std::exception&) {
      return 0;  // miniz (C) calls this: no exception may cross it; a short read is its error
    }
  }

 private:
  const RegularFile& file_;
};

std::uint64_t little(const std::string& bytes, std::size_t at, std::size_t width) {
  if (at + width > bytes.size()) throw std::runtime_error("the zip directory is truncated");
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value |= std::uint64_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

std::string read_range(const RegularFile& file, std::uint64_t offset, std::uint64_t n) {
  if (offset > file.size() || n > file.size() - offset) throw std::runtime_error("the zip directory is truncated");
  std::string bytes(n, '\0');
  bytes.resize(file.read_at(offset, bytes.data(), n));
  return bytes;
}

// Each record's CRC-32 from the archive's central directory, by the name PyTorchStreamReader uses
// (without the archive's top folder). miniz as LibTorch builds it skips this check.
std::map<std::string, std::uint32_t> record_crcs(const RegularFile& file) {
  const std::uint64_t tail_size = std::min<std::uint64_t>(file.size(), 22 + 65535);
  const std::uint64_t tail_at = file.size() - tail_size;
  const std::string tail = read_range(file, tail_at, tail_size);
  const std::size_t end = tail.size() < 22 ? std::string::npos : tail.rfind(std::string("PK\x05\x06", 4));
  if (end == std::string::npos) throw std::runtime_error("no zip end-of-directory record");
  std::uint64_t entries = little(tail, end + 10, 2), size = little(tail, end + 12, 4), offset = little(tail, end + 16, 4);
  if (entries == 0xFFFF || size == 0xFFFFFFFF || offset == 0xFFFFFFFF) {  // zip64
    if (end < 20 || tail.compare(end - 20, 4, "PK\x06\x07") != 0) throw std::runtime_error("no zip64 directory locator");
    const std::string end64 = read_range(file, little(tail, end - 20 + 8, 8), 56);
    if (end64.compare(0, 4, "PK\x06\x06") != 0) throw std::runtime_error("no zip64 end-of-directory record");
    entries = little(end64, 32, 8);
    size = little(end64, 40, 8);
    offset = little(end64, 48, 8);
  }
  const std::string directory = read_range(file, offset, size);
  std::map<std::string, std::uint32_t> crcs;
  std::size_t at = 0;
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (little(directory, at, 4) != 0x02014b50) throw std::runtime_error("a corrupt zip directory entry");
    const std::uint32_t crc = static_cast<std::uint32_t>(little(directory, at + 16, 4));
    const std::size_t name_size = little(directory, at + 28, 2);
    const std::size_t extra = little(directory, at + 30, 2), comment = little(directory, at + 32, 2);
    if (at + 46 + name_size > directory.size()) throw std::runtime_error("the zip directory is truncated");
    std::string name = directory.substr(at + 46, name_size);
    const std::size_t slash = name.find('/');
    crcs[slash == std::string::npos ? name : name.substr(slash + 1)] = crc;
    at += 46 + name_size + extra + comment;
  }
  return crcs;
}

// A record's bytes, refused when they do not match the CRC-32 the archive recorded for them.
std::tuple<at::DataPtr, std::size_t> checked_record(caffe2::serialize::PyTorchStreamReader& reader,
                                                    const std::map<std::string, std::uint32_t>& crcs,
                                                    const std::string& name) {
  auto record = reader.getRecord(name);
  auto& [data, size] = record;
  auto expected = crcs.find(name);
  if (expected == crcs.end()) throw std::runtime_error("record '" + name + "' is not in the zip directory");
  const std::uint32_t actual = static_cast<std::uint32_t>(
      crc32_z(crc32_z(0L, Z_NULL, 0), static_cast<const Bytef*>(data.get()), size));
  if (actual != expected->second)
    throw std::runtime_error("record '" + name + "' fails its CRC-32 check (the file is corrupt)");
  return record;
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

py::Object load_zip(const RegularFile& file) {
  const std::map<std::string, std::uint32_t> crcs = record_crcs(file);
  caffe2::serialize::PyTorchStreamReader reader(std::make_shared<FileAdapter>(file));
  if (reader.hasRecord("byteorder")) {
    auto [data, size] = checked_record(reader, crcs, "byteorder");
    if (std::string(static_cast<const char*>(data.get()), size) != "little")
      throw std::runtime_error("big-endian files are not supported");
  }
  auto [pickle_data, pickle_size] = checked_record(reader, crcs, "data.pkl");
  std::string_view pickle_bytes(static_cast<const char*>(pickle_data.get()), pickle_size);
  std::map<std::string, at::Storage> loaded;  // a storage shared by several tensors is read once
  auto storages = [&](const pickle::StorageRef& ref) {
    auto it = loaded.find(ref.key);
    if (it != loaded.end()) return it->second;
    std::string record = "data/" + ref.key;
    if (!reader.hasRecord(record)) throw std::runtime_error("storage '" + record + "' is missing");
    auto [data, size] = checked_record(reader, crcs, record);
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
  // Only a regular file (a FIFO would block, a device never end); the zip layout is read in place,
  // only the legacy one is read whole.
  RegularFile file(path);
  std::string bytes(std::min<std::size_t>(file.size(), 512), '\0');
  bytes.resize(file.read_at(0, bytes.data(), bytes.size()));
  auto refuse = [&](const std::string& why) {
    return UserError("'" + path.string() + "' is not a readable torch checkpoint: " + why);
  };
  if (bytes.empty()) throw refuse("the file is empty");
  try {
    if (bytes.compare(0, 4, "PK\x03\x04") == 0) return load_zip(file);
    if (bytes.size() > 262 && bytes.compare(257, 5, "ustar") == 0)
      throw std::runtime_error("the tar layout of torch < 0.4 is not supported; re-save it with a newer torch");
    if (static_cast<unsigned char>(bytes[0]) == 0x80) return load_legacy(file.read_all());
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

void save_torch_file(const fs::path& path, const py::Object& object, Existing existing) {
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
  write_file_atomically(path, archive, existing);
}

}  // namespace munit

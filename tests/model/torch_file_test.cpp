// Reading and writing torch.save files: both layouts, round trips, and clean refusals of files
// that are not checkpoints, truncated or ask for arbitrary Python objects.
#include <fstream>

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../support/fixtures.h"
#include "munit/errors.h"
#include "torchio/torch_file.h"

namespace munit {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(MUNIT_SOURCE_DIR) / "tests" / "data";

class TorchFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("munit_torch_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_bytes(const std::string& name, const std::string& bytes) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  static std::string read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  // A zip archive with the given records, as torch writes them.
  fs::path write_zip(const std::string& name, const std::vector<std::pair<std::string, std::string>>& records) {
    std::string archive;
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, std::size_t size) {
      archive.append(static_cast<const char*>(data), size);
      return size;
    });
    for (const auto& [record, bytes] : records) writer.writeRecord(record, bytes.data(), bytes.size());
    writer.writeEndOfFile();
    return write_bytes(name, archive);
  }
  static std::string refusal(const fs::path& path) {
    try {
      load_torch_file(path);
    } catch (const UserError& e) {
      return e.what();
    }
    return "(loaded without error)";
  }

  fs::path dir_;
};

void expect_sample(const py::Object& root) {
  ASSERT_TRUE(root.is(py::Type::Dict));
  const py::Object& model = root.at("model");
  EXPECT_TRUE(model.ordered());
  ASSERT_EQ(model.entries().size(), 3u);
  EXPECT_EQ(model.entries()[0].first.as_string(), "conv.weight");
  EXPECT_TRUE(torch::equal(model.at("conv.weight").as_tensor(), torch::arange(24, torch::kFloat).reshape({2, 3, 2, 2})));
  EXPECT_TRUE(torch::equal(model.at("conv.bias").as_tensor(), torch::tensor({0.5f, -1.5f})));
  const at::Tensor& tracked = model.at("norm.num_batches_tracked").as_tensor();
  EXPECT_EQ(tracked.scalar_type(), torch::kLong);
  EXPECT_EQ(tracked.dim(), 0);
  EXPECT_EQ(tracked.item<std::int64_t>(), 7);
  ASSERT_TRUE(model.attributes().is(py::Type::Dict));  // _metadata survives
  EXPECT_TRUE(model.attributes().find("_metadata"));

  const py::Items& shared = root.at("shared").items();
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_TRUE(torch::equal(shared[0].as_tensor(), torch::tensor({2.0, 3.0, 4.0}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(shared[1].as_tensor(), torch::tensor({6.0, 7.0, 8.0, 9.0}, torch::kDouble)));

  const py::Object& optimizer = root.at("optimizer");
  const py::Object* state0 = optimizer.at("state").find(std::int64_t{0});
  ASSERT_NE(state0, nullptr);
  EXPECT_EQ(state0->at("step").as_tensor().item<double>(), 3.0);
  const py::Object& group = optimizer.at("param_groups").items().at(0);
  EXPECT_DOUBLE_EQ(group.at("lr").as_float(), 1e-4);
  EXPECT_TRUE(group.at("betas").is(py::Type::Tuple));
  EXPECT_DOUBLE_EQ(group.at("betas").items()[1].as_float(), 0.999);
  EXPECT_FALSE(group.at("amsgrad").as_bool());
  EXPECT_TRUE(group.at("foreach").is_none());
  EXPECT_EQ(group.at("params").items().size(), 2u);

  EXPECT_EQ(root.at("half").as_tensor().scalar_type(), torch::kHalf);
  EXPECT_EQ(root.at("big").as_int(), std::int64_t{1} << 40);
  EXPECT_EQ(root.at("negative").as_int(), -70000);
}

TEST_F(TorchFile, ReadsTheZipLayout) { expect_sample(load_torch_file(kData / "sample_zip.pt")); }

TEST_F(TorchFile, ReadsTheLegacyLayoutOfTorchBefore16) { expect_sample(load_torch_file(kData / "sample_legacy.pt")); }

TEST_F(TorchFile, WritesWhatItReadsWithEveryTensorBitExact) {
  py::Object original = load_torch_file(kData / "sample_legacy.pt");
  save_torch_file(dir_ / "again.pt", original);
  py::Object again = load_torch_file(dir_ / "again.pt");
  expect_sample(again);
  // And a second generation is byte-identical to the first: the writer is deterministic.
  save_torch_file(dir_ / "again2.pt", again);
  EXPECT_EQ(read_bytes(dir_ / "again.pt"), read_bytes(dir_ / "again2.pt"));
}

TEST_F(TorchFile, OfficialCheckpointRoundTripKeepsEveryTensorIdentical) {
  const fs::path gen = testing::fixtures_dir() / "official-small" / "gen.pt";
  MUNIT_REQUIRE_FIXTURE(gen);
  py::Object official = load_torch_file(gen);
  save_torch_file(dir_ / "gen_00000000.pt", official);
  py::Object ours = load_torch_file(dir_ / "gen_00000000.pt");
  for (const char* entry : {"a", "b"}) {
    const py::Entries& expected = official.at(entry).entries();
    const py::Entries& actual = ours.at(entry).entries();
    ASSERT_EQ(actual.size(), expected.size());
    EXPECT_TRUE(ours.at(entry).ordered());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(actual[i].first.as_string(), expected[i].first.as_string());
      const at::Tensor &a = actual[i].second.as_tensor(), &e = expected[i].second.as_tensor();
      ASSERT_EQ(a.scalar_type(), e.scalar_type());
      ASSERT_TRUE(a.sizes().equals(e.sizes()));
      EXPECT_EQ(std::memcmp(a.data_ptr(), e.data_ptr(), e.nbytes()), 0) << expected[i].first.as_string();
    }
  }
}

TEST_F(TorchFile, SavingIsAtomicAndLeavesNoTemporaryFiles) {
  save_torch_file(dir_ / "x.pt", py::Object::dict({{py::Object::string("t"), py::Object::tensor(torch::ones({3}))}}));
  save_torch_file(dir_ / "x.pt", py::Object::dict({{py::Object::string("t"), py::Object::tensor(torch::zeros({3}))}}));
  EXPECT_TRUE(torch::equal(load_torch_file(dir_ / "x.pt").at("t").as_tensor(), torch::zeros({3})));
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
  EXPECT_THROW(save_torch_file(dir_ / "no" / "such" / "dir.pt", py::Object::dict()), std::runtime_error);
}

TEST_F(TorchFile, RefusesFilesThatAreNotCheckpoints) {
  EXPECT_NE(refusal(dir_ / "missing.pt").find("no such file"), std::string::npos);
  EXPECT_NE(refusal(write_bytes("empty.pt", "")).find("empty"), std::string::npos);
  EXPECT_NE(refusal(write_bytes("text.pt", "hello, world\n")).find("neither a zip archive nor a pickle"),
            std::string::npos);
  EXPECT_NE(refusal(write_bytes("pickle.pt", "\x80\x02K\x01.")).find("not a torch file"), std::string::npos);
  EXPECT_NE(refusal(write_zip("nopickle.pt", {{"other", "x"}})).find("data.pkl"), std::string::npos);
}

TEST_F(TorchFile, RefusesTruncatedFilesAtEveryLength) {
  for (const char* name : {"sample_zip.pt", "sample_legacy.pt"}) {
    const std::string bytes = read_bytes(kData / name);
    for (std::size_t length = 1; length < bytes.size(); length += 1 + length / 8) {
      fs::path cut = write_bytes("cut.pt", bytes.substr(0, length));
      std::string message = refusal(cut);
      EXPECT_NE(message.find("is not a readable torch checkpoint"), std::string::npos)
          << name << " cut to " << length << " bytes: " << message;
    }
  }
}

TEST_F(TorchFile, RefusesArbitraryPythonObjects) {
  // What a malicious pickle would do: call os.system. The reader must name it and stop.
  using namespace std::string_literals;
  const std::string evil = "\x80\x02" "cos\nsystem\nX\x07\x00\x00\x00"s + "echo hi\x85R.";
  std::string message = refusal(write_zip("evil.pt", {{"data.pkl", evil}}));
  EXPECT_NE(message.find("unsupported Python object 'os.system'"), std::string::npos) << message;
}

TEST_F(TorchFile, RefusesAStorageTheArchiveDoesNotHoldOrHoldsTooShort) {
  caffe2::serialize::PyTorchStreamReader reader((kData / "sample_zip.pt").string());
  auto [data, size] = reader.getRecord("data.pkl");
  std::string pickle(static_cast<const char*>(data.get()), size);
  std::string message = refusal(write_zip("nostorage.pt", {{"data.pkl", pickle}}));
  EXPECT_NE(message.find("is missing"), std::string::npos) << message;

  std::vector<std::pair<std::string, std::string>> records{{"data.pkl", pickle}};
  for (const auto& record : reader.getAllRecords())
    if (record.rfind("data/", 0) == 0) records.emplace_back(record, "x");  // one byte each
  message = refusal(write_zip("short.pt", records));
  EXPECT_NE(message.find("expected"), std::string::npos) << message;
}

// Issue 16: a bit flipped inside a tensor's bytes must not load silently. Each zip record carries a
// CRC-32, which LibTorch's reader does not check.
TEST_F(TorchFile, RefusesARecordWhoseBytesDoNotMatchItsCrc) {
  std::string bytes = read_bytes(kData / "sample_zip.pt");
  caffe2::serialize::PyTorchStreamReader reader((kData / "sample_zip.pt").string());
  std::string record;
  for (const auto& name : reader.getAllRecords())
    if (name.rfind("data/", 0) == 0 && std::get<1>(reader.getRecord(name)) > 0) record = name;
  ASSERT_FALSE(record.empty());
  const std::size_t offset = reader.getRecordOffset(record);
  ASSERT_LT(offset, bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x10);
  const fs::path flipped = write_bytes("flipped.pt", bytes);
  const std::string message = refusal(flipped);
  EXPECT_NE(message.find("CRC"), std::string::npos) << message;
  EXPECT_NE(message.find(record), std::string::npos) << message;
  EXPECT_NE(message.find(flipped.string()), std::string::npos) << message;
}

// Issue 16: a pickle nested 200,000 deep killed every loader with SIGSEGV (recursion when building
// and when freeing the object tree). It must be refused with a clear message, and not crash.
std::string nested_lists(std::size_t depth) {  // [[[...]]]: EMPTY_LIST x depth, then APPEND x (depth - 1)
  return "\x80\x02" + std::string(depth, ']') + std::string(depth - 1, 'a') + ".";
}

TEST_F(TorchFile, RefusesPicklesNestedTooDeepWithoutCrashing) {
  const std::string deep_tuples = "\x80\x02)" + std::string(200000, '\x85') + ".";  // ((((),),),)...
  const std::string deep_marks = "\x80\x02" + std::string(200000, '(') + "]" + std::string(200000, 'l') + ".";
  for (const auto& [name, pickle] : {std::pair{"lists", nested_lists(200000)}, {"tuples", deep_tuples}, {"marks", deep_marks}}) {
    const std::string message = refusal(write_zip(std::string(name) + ".pt", {{"data.pkl", pickle}}));
    EXPECT_NE(message.find("nested deeper than 1000"), std::string::npos) << name << ": " << message;
  }
  // The limit: 1000 levels load, 1001 do not.
  py::Object allowed = load_torch_file(write_zip("1000.pt", {{"data.pkl", nested_lists(1000)}}));
  std::size_t levels = 1;
  for (const py::Object* inner = &allowed; !inner->items().empty(); inner = &inner->items()[0]) ++levels;
  EXPECT_EQ(levels, 1000u);
  EXPECT_NE(refusal(write_zip("1001.pt", {{"data.pkl", nested_lists(1001)}})).find("nested deeper than 1000"),
            std::string::npos);
}

TEST_F(TorchFile, RefusesAPickleWhoseListContainsItself) {
  // l = []; l.append(l): EMPTY_LIST, BINPUT 0, BINGET 0, APPEND.
  const std::string message = refusal(write_zip("cycle.pt", {{"data.pkl", std::string("\x80\x02]q\x00" "h\x00" "a.", 9)}}));
  EXPECT_NE(message.find("contains itself"), std::string::npos) << message;
}

TEST_F(TorchFile, FreesDeepObjectTreesWithoutRecursion) {
  // Far deeper than any stack holds frames for: a recursive destructor crashes here.
  py::Object chain = py::Object::list();
  for (int i = 0; i < 1000000; ++i) chain = py::Object::list({chain});
  py::Object dicts = py::Object::dict();
  for (int i = 0; i < 1000000; ++i) dicts = py::Object::dict({{py::Object::string("k"), dicts}}, true, py::Object::dict());
  py::Object shared = py::Object::list();  // each level holds the one below twice
  for (int i = 0; i < 1000000; ++i) shared = py::Object::list({shared, shared});
  EXPECT_THROW(save_torch_file(dir_ / "deep.pt", chain), std::invalid_argument);  // the writer's limit, no crash
  EXPECT_FALSE(fs::exists(dir_ / "deep.pt"));
  chain = py::Object();
  dicts = py::Object();
  shared = py::Object();
  SUCCEED();
}

TEST_F(TorchFile, WritesASharedContainerOnceNotOncePerPath) {
  // 2^24 paths lead to the innermost list; written once per path, the file would be hundreds of MB.
  py::Object shared = py::Object::list({py::Object::tensor(torch::ones({2}))});
  for (int i = 0; i < 24; ++i) shared = py::Object::list({shared, shared});
  save_torch_file(dir_ / "shared.pt", shared);
  EXPECT_LT(fs::file_size(dir_ / "shared.pt"), 64u * 1024);
  py::Object loaded = load_torch_file(dir_ / "shared.pt");
  EXPECT_EQ(&loaded.items()[0].items(), &loaded.items()[1].items());  // one list, still shared
  const py::Object* inner = &loaded;
  std::size_t levels = 1;
  for (; inner->items()[0].is(py::Type::List); inner = &inner->items()[0]) ++levels;
  EXPECT_EQ(levels, 25u);
  EXPECT_TRUE(torch::equal(inner->items()[0].as_tensor(), torch::ones({2})));
}

}  // namespace
}  // namespace munit

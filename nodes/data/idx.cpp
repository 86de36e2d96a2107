// data.idx — images from an IDX file (the MNIST format; gzip or raw), e.g. Debian's
// dataset-fashion-mnist under /usr/share/datasets/fashion-mnist, optionally only some classes
// (Fashion-MNIST: 0 T-shirt, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker,
// 8 bag, 9 ankle boot). The whole file is read once; frames are batches of gray images, in file
// order or shuffled per epoch with the node's seed.
//
//   [nodes.shoes]
//   kind = "data.idx"
//   images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
//   labels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"
//   classes = "5,7,9"
//   batch = 8
//   repeat = true
//   shuffle = true
#include <algorithm>
#include <numeric>
#include <set>
#include <sstream>

#include <zlib.h>

#include "epoch_order.h"
#include "munit/errors.h"
#include "munit/image.h"
#include "munit/registry.h"

namespace munit {
namespace {

// The whole (possibly gzipped) file; zlib reads raw files as they are.
std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw UserError("cannot open '" + path + "'");
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  int got = 0;
  while ((got = gzread(file, chunk, sizeof chunk)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
  const bool failed = got < 0;
  gzclose(file);
  if (failed) throw UserError("'" + path + "' is not a readable (gzip or raw) file");
  return bytes;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return std::uint32_t(bytes[at]) << 24 | std::uint32_t(bytes[at + 1]) << 16 | std::uint32_t(bytes[at + 2]) << 8 |
         bytes[at + 3];
}

// An IDX file of unsigned bytes: magic 0x00 0x00 0x08 <dims>, then the sizes, then the data.
struct IdxArray {
  std::vector<std::uint32_t> shape;
  std::vector<std::uint8_t> bytes;  // header included
  std::size_t data_offset = 0;

  static IdxArray read(const std::string& path, std::size_t expected_dims) {
    IdxArray array;
    array.bytes = read_maybe_gzipped(path);
    const auto& b = array.bytes;
    if (b.size() < 4 || b[0] != 0 || b[1] != 0 || b[2] != 0x08 || b[3] != expected_dims)
      throw UserError("'" + path + "' is not an IDX file of unsigned bytes with " + std::to_string(expected_dims) +
                      " dimension(s)");
    array.data_offset = 4 + 4 * expected_dims;
    std::size_t count = 1;
    for (std::size_t d = 0; d < expected_dims && 8 + 4 * d <= b.size(); ++d) {
      array.shape.push_back(big_endian(b, 4 + 4 * d));
      count *= array.shape.back();
    }
    if (array.shape.size() != expected_dims || b.size() < array.data_offset + count)
      throw UserError("'" + path + "' is truncated");
    return array;
  }
  const std::uint8_t* data() const { return bytes.data() + data_offset; }
};

std::set<int> parse_classes(const std::string& text) {
  std::set<int> classes;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      std::size_t used = 0;
      classes.insert(std::stoi(item, &used));
      if (item.find_first_not_of(" ", used) != std::string::npos) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UserError("classes: '" + item + "' is not a class number (write e.g. \"5,7,9\")");
    }
  }
  return classes;
}

class Idx : public Node {
 public:
  static constexpr Out<ImageBatch> kOut{"out"};

  static inline const auto kImages = param<std::filesystem::path>("images")
      .doc("the IDX images file ([N, H, W] bytes; .gz or raw)");
  static inline const auto kLabels = param<std::filesystem::path>("labels", "")
      .doc("the IDX labels file ([N] bytes); needed for `classes`");
  static inline const auto kClasses = param<std::string>("classes", "")
      .doc("comma-separated class numbers to keep, e.g. \"5,7,9\" (empty: all)");
  static inline const auto kBatch = param<std::int64_t>("batch", 1).range(1, 4096).doc("images per frame");
  static inline const auto kRepeat = param<bool>("repeat", false)
      .doc("endless epochs (training) instead of one pass");
  static inline const auto kShuffle = param<bool>("shuffle", false)
      .doc("a new seeded order every epoch instead of file order");

  static NodeSchema schema() {
    return NodeSchema("data.idx", "Gray images from an IDX file (MNIST, Fashion-MNIST), optionally some classes.")
        .output(kOut, "a batch of gray images")
        .params_of(kImages, kLabels, kClasses, kBatch, kRepeat, kShuffle)
        .parallel();
  }

  explicit Idx(const NodeContext& context)
      : images_(IdxArray::read(context.params.get(kImages), 3)),
        kept_(chosen(images_.shape[0], context.params.get(kLabels), context.params.get(kClasses))),
        batch_(context.params.get(kBatch)),
        repeat_(context.params.get(kRepeat)),
        order_(kept_.size(), context.params.get(kShuffle), context.seed) {
    context.log->debug("{} of {} images", kept_.size(), images_.shape[0]);
  }

  void process(Frame& frame) override {
    const auto n = static_cast<std::int64_t>(kept_.size());
    const std::int64_t first = frame.id() * batch_;
    if (!repeat_ && first >= n) return frame.end_of_stream();
    const std::int64_t end = repeat_ ? first + batch_ : std::min(n, first + batch_);
    const int height = static_cast<int>(images_.shape[1]), width = static_cast<int>(images_.shape[2]);
    const std::size_t pixels = static_cast<std::size_t>(height) * width;
    ImageBatch batch;
    for (std::int64_t position = first; position < end; ++position) {
      const std::uint32_t index = kept_[order_.at(position)];
      Image image = Image::blank(height, width, 1);
      std::copy_n(images_.data() + index * pixels, pixels, image.pixels.begin());
      batch.images.push_back(std::move(image));
      batch.provenance.push_back("idx_" + std::to_string(index));
    }
    frame.put(kOut, std::move(batch));
  }

 private:
  // The indices of the images whose label is in `classes` (all of them when it is empty).
  static std::vector<std::uint32_t> chosen(std::uint32_t count, const std::string& labels_path,
                                           const std::string& class_list) {
    const std::set<int> classes = parse_classes(class_list);
    std::vector<std::uint32_t> kept;
    if (classes.empty()) {
      kept.resize(count);
      std::iota(kept.begin(), kept.end(), 0u);
      return kept;
    }
    if (labels_path.empty()) throw UserError("classes needs a `labels` file");
    const IdxArray labels = IdxArray::read(labels_path, 1);
    if (labels.shape[0] != count)
      throw UserError("'" + labels_path + "' has " + std::to_string(labels.shape[0]) + " labels for " +
                      std::to_string(count) + " images");
    for (std::uint32_t i = 0; i < count; ++i)
      if (classes.count(labels.data()[i])) kept.push_back(i);
    if (kept.empty()) throw UserError("no image has class " + class_list);
    return kept;
  }

  IdxArray images_;
  std::vector<std::uint32_t> kept_;
  std::int64_t batch_;
  bool repeat_;
  data::EpochOrder order_;  // over kept_
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Idx)

// data.tensor_file — emits one tensor of a torch.save file (a dict of named tensors) as every
// frame's batch: fixed inputs for tests, parity runs against reference files, and debugging.
//
//   [nodes.x_a]
//   kind = "data.tensor_file"
//   path = "fixtures/io.pt"
//   key = "x_a"
//   frames = 1          # then the stream ends (0: every frame, endlessly)
#include "munit/errors.h"
#include "munit/registry.h"
#include "munit/tensor.h"
#include "torchio/torch_file.h"

namespace munit {
namespace {

class TensorFile : public Node {
 public:
  static constexpr Out<TensorBatch> kOut{"out"};

  static inline const auto kPath = param<std::filesystem::path>("path")
      .doc("a torch.save file holding a dict of tensors");
  static inline const auto kKey = param<std::string>("key").doc("which entry of the dict");
  static inline const auto kFrames = param<std::int64_t>("frames", 0).at_least(0)
      .doc("frames before the stream ends (0: endless)");

  static NodeSchema schema() {
    return NodeSchema("data.tensor_file", "One named tensor of a torch file, as every frame's batch.")
        .output(kOut, "the tensor (its first dimension is the batch)")
        .params_of(kPath, kKey, kFrames)
        .parallel();
  }

  explicit TensorFile(const NodeContext& context) : frames_(context.params.get(kFrames)) {
    const std::string path = context.params.get(kPath);
    const std::string key = context.params.get(kKey);
    py::Object file = load_torch_file(path);
    const py::Object* value = file.is(py::Type::Dict) ? file.find(key) : nullptr;
    if (!value || !value->is(py::Type::Tensor))
      throw UserError("'" + path + "' has no tensor named '" + key + "'");
    tensor_ = value->as_tensor().to(at::Device(context.device));
    for (std::int64_t i = 0; i < (tensor_.dim() > 0 ? tensor_.size(0) : 1); ++i)
      provenance_.push_back(key + "_" + std::to_string(i));
  }

  void process(Frame& frame) override {
    if (frames_ > 0 && frame.id() >= frames_) return frame.end_of_stream();
    frame.put(kOut, TensorBatch{tensor_, provenance_});
  }

 private:
  std::int64_t frames_;
  at::Tensor tensor_;
  std::vector<std::string> provenance_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::TensorFile)

// loss.l1 — mean absolute difference (the official recon_criterion): image, content and style
// reconstruction terms.
//
//   [nodes.recon_x_a]
//   kind = "loss.l1"
//   input = "recon_a.out"
//   target = "x_a.out"
//   weight = 10            # recon_x_w
#include <torch/torch.h>

#include "munit/registry.h"
#include "weighted.h"

namespace munit {
namespace {

class L1 : public Node {
 public:
  static constexpr In<TensorBatch> kInput{"input"};
  static constexpr In<TensorBatch> kTarget{"target"};

  static NodeSchema schema() {
    NodeSchema schema("loss.l1", "Mean absolute difference between two batches.");
    schema.input(kInput, "the prediction").input(kTarget, "what it should be").parallel();
    return loss::with_weight(schema);
  }

  explicit L1(const NodeContext& context) : weight_(context.params.get(loss::kWeight)) {}

  void process(Frame& frame) override {
    const at::Tensor& input = frame.get(kInput).data;
    const at::Tensor& target = frame.get(kTarget).data;
    if (!input.sizes().equals(target.sizes()))
      throw std::invalid_argument("input " + c10::str(input.sizes()) + " and target " + c10::str(target.sizes()) +
                                  " differ in shape");
    loss::put_weighted(frame, weight_, torch::mean(torch::abs(input - target)));
  }

 private:
  double weight_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::L1)

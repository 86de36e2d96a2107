// loss.gan_g — the generator's adversarial loss: translations should score 1 under the domain's
// discriminator. Gradients reach the generator through the discriminator; run it after the D step
// (after = "step_dis.done") for the official order.
//
//   [nodes.adv_a]
//   kind = "loss.gan_g"
//   model = "dis_a"
//   fake = "x_ba.out"
//   after = "step_dis.done"
#include "munit/registry.h"
#include "../munit/models.h"
#include "discriminator_takes.h"
#include "weighted.h"

namespace munit {
namespace {

class GanG : public Node {
 public:
  static constexpr In<TensorBatch> kFake{"fake"};

  static inline const auto kModel = resource<model::DiscriminatorModel>("model", "models")
      .doc("a munit.discriminator");

  static NodeSchema schema() {
    NodeSchema schema("loss.gan_g", "A generator's adversarial loss under a discriminator.");
    schema.input(kFake, "translations into the discriminator's domain")
        .params_of(kModel)
        .shapes_by(loss::discriminator_takes(kModel.name, {std::string(kFake.name)}))
        .parallel()
        .uses_compute()
        .in_model_region();
    return loss::with_weight(schema);
  }

  explicit GanG(const NodeContext& context)
      : model_(context.resource(kModel)),
        weight_(context.params.get(loss::kWeight)) {}

  void process(Frame& frame) override { loss::put_weighted(frame, weight_, model_->net->gen_loss(frame.get(kFake).data)); }

 private:
  std::shared_ptr<model::DiscriminatorModel> model_;
  double weight_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::GanG)

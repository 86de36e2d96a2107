// loss.gan_d — the discriminator's GAN loss (its `gan_type`, LSGAN or nsgan, summed over scales):
// real images should score 1, translations 0. The translations are detached, so only D learns.
//
//   [nodes.dis_loss_a]
//   kind = "loss.gan_d"
//   model = "dis_a"
//   fake = "x_ba.out"
//   real = "x_a.out"
//   weight = 1             # gan_w
#include "munit/registry.h"
#include "../munit/models.h"
#include "discriminator_takes.h"
#include "weighted.h"

namespace munit {
namespace {

class GanD : public Node {
 public:
  static constexpr In<TensorBatch> kFake{"fake"};
  static constexpr In<TensorBatch> kReal{"real"};

  static inline const auto kModel = resource<model::DiscriminatorModel>("model", "models")
      .doc("a munit.discriminator");

  static NodeSchema schema() {
    NodeSchema schema("loss.gan_d", "A discriminator's GAN loss on translations (detached) and real images.");
    schema.input(kFake, "translations into the discriminator's domain")
        .input(kReal, "real images of that domain")
        .params_of(kModel)
        .shapes_by(loss::discriminator_takes(kModel.name, {std::string(kFake.name), std::string(kReal.name)}))
        .parallel()
        .uses_compute()
        .in_model_region();
    return loss::with_weight(schema);
  }

  explicit GanD(const NodeContext& context)
      : model_(context.resource(kModel)),
        weight_(context.params.get(loss::kWeight)) {}

  void process(Frame& frame) override {
    loss::put_weighted(frame, weight_, model_->net->dis_loss(frame.get(kFake).data.detach(), frame.get(kReal).data));
  }

 private:
  std::shared_ptr<model::DiscriminatorModel> model_;
  double weight_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::GanD)

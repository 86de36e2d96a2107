// optim.step — one optimizer step: sums its loss terms in the order listed, checks the sum is
// finite, zeroes the gradients of the optimizer's parameters, back-propagates, sets the learning
// rate of this iteration (its policy; the frame is the iteration) and steps. Its `done` signal
// orders what must see the new parameters (after = "step_dis.done").
//
//   [nodes.step_gen]
//   kind = "optim.step"
//   optimizer = "gen"
//   loss = ["adv_a.out", "adv_b.out", "recon_x_a.out", "recon_s_a.out", "recon_c_a.out"]
#include <cmath>

#include <torch/torch.h>

#include "../munit/lr_policy.h"
#include "adam_optimizer.h"
#include "munit/registry.h"
#include "munit/tensor.h"

namespace munit {
namespace {

class Step : public Node {
 public:
  static constexpr In<Scalar> kLoss{"loss"};
  static constexpr Out<Scalar> kTotal{"total"};
  static constexpr Out<Scalar> kLr{"lr"};

  static NodeSchema schema() {
    return NodeSchema("optim.step", "Back-propagates the sum of its losses and takes one optimizer step.")
        .list_input(kLoss, "loss terms (loss nodes' `out`), summed in this order")
        .output(kTotal, "the summed loss, detached")
        .output(kLr, "the learning rate this step used")
        .param(resource_param("optimizer", "optimizers").doc("an optim.adam"))
        .uses_compute();
  }

  explicit Step(const NodeContext& context)
      : optimizer_(context.resources->get<optim::AdamOptimizer>(context.params.get<std::string>("optimizer"))),
        name_(context.params.get<std::string>("optimizer")) {}

  void process(Frame& frame) override {
    at::Tensor total;
    for (const Scalar* term : frame.get_all(kLoss)) total = total.defined() ? total + term->value : term->value;
    const double value = total.item<double>();
    if (!std::isfinite(value))
      throw std::runtime_error("the loss of optimizer '" + name_ + "' is " + std::to_string(value) + " at iteration " +
                               std::to_string(frame.id() + 1) + "; the parameters were not updated");
    if (!total.requires_grad())
      throw std::runtime_error("the loss has no gradient: is the pipeline in mode = \"train\"?");
    model::Adam& adam = *optimizer_->adam;
    adam.zero_grad();
    total.backward();
    const double lr = model::learning_rate(optimizer_->policy, frame.id());
    adam.set_lr(lr);
    adam.step();
    frame.put(kTotal, Scalar{total.detach()});
    frame.put(kLr, Scalar{torch::scalar_tensor(lr, torch::kFloat64)});
  }

 private:
  std::shared_ptr<optim::AdamOptimizer> optimizer_;
  std::string name_;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Step)

// optim.step — one optimizer step: sums its loss terms in the order listed, checks the sum is
// finite, zeroes the gradients of the optimizer's parameters, back-propagates, sets the learning
// rate of this iteration (its policy; the frame is the iteration) and steps. Its `done` signal
// orders what must see the new parameters (after = "step_dis.done"). Under precision = "fp16" the
// loss is scaled (grad_scaler.h) and a step whose gradients overflowed is skipped.
//
//   [nodes.step_gen]
//   kind = "optim.step"
//   optimizer = "gen"
//   loss = ["adv_a.out", "adv_b.out", "recon_x_a.out", "recon_s_a.out", "recon_c_a.out"]
#include <cmath>

#include <torch/torch.h>

#include "lr_policy.h"
#include "adam_optimizer.h"
#include "grad_scaler.h"
#include "munit/registry.h"
#include "munit/tensor.h"

namespace munit {
namespace {

class Step : public Node {
 public:
  static constexpr In<Scalar> kLoss{"loss"};
  static constexpr Out<Scalar> kTotal{"total"};
  static constexpr Out<Scalar> kLr{"lr"};

  static inline const auto kOptimizer = resource<optim::AdamOptimizer>("optimizer", "optimizers")
      .doc("an optim.adam");
  static inline const auto kCheckEvery = param<std::int64_t>("check_every", 10).at_least(1)
      .doc("on a GPU, how often the recorded finiteness of the loss is read (each read waits for the GPU); on the "
           "CPU every step is checked before its update");

  static NodeSchema schema() {
    return NodeSchema("optim.step", "Back-propagates the sum of its losses and takes one optimizer step.")
        .list_input(kLoss, "loss terms (loss nodes' `out`), summed in this order")
        .output(kTotal, "the summed loss, detached")
        .output(kLr, "the learning rate this step used")
        .params_of(kOptimizer, kCheckEvery)
        .uses_compute()
        .in_model_region();
  }

  explicit Step(const NodeContext& context)
      : optimizer_(context.resource(kOptimizer)),
        name_(context.params.get(kOptimizer)),
        on_gpu_(torch::Device(context.device).is_cuda()),
        check_every_(context.params.get(kCheckEvery)) {
    if (context.precision == "fp16") scaler_ = std::make_unique<optim::GradScaler>(torch::Device(context.device));
  }

  void process(Frame& frame) override {
    at::Tensor total;
    for (const Scalar* term : frame.get_all(kLoss)) total = total.defined() ? total + term->value : term->value;
    check_finite(total, frame.id());
    if (!total.requires_grad())
      throw std::runtime_error("the loss has no gradient: is the pipeline in mode = \"train\"?");
    optim::Adam& adam = *optimizer_->adam;
    adam.zero_grad();
    const double lr = optim::learning_rate(optimizer_->policy, frame.id());
    adam.set_lr(lr);
    if (scaler_) {
      scaler_->scale(total).backward();
      const at::Tensor found_inf = scaler_->unscale(adam.params());
      // The one read an fp16 step needs, as torch.cuda.amp.GradScaler.step makes it.
      if (found_inf.item<float>() == 0) adam.step();
      scaler_->update(found_inf);
    } else {
      total.backward();
      adam.step();
    }
    frame.put(kTotal, Scalar{total.detach()});
    frame.put(kLr, Scalar{torch::scalar_tensor(lr, torch::kFloat64)});
  }

  // The last iterations' record, which no check_every boundary read.
  void close() override {
    if (non_finite_.defined()) report_non_finite();
  }

 private:
  // On the CPU reading the loss is free, so a non-finite loss stops the run before its update. On a
  // GPU a read each step would stall the host; non-finite losses are recorded on the device and
  // the record is read every check_every iterations.
  void check_finite(const at::Tensor& total, std::int64_t frame) {
    if (!on_gpu_) {
      const double value = total.item<double>();
      if (!std::isfinite(value))
        throw std::runtime_error("the loss of optimizer '" + name_ + "' is " + std::to_string(value) +
                                 " at iteration " + std::to_string(frame + 1) + "; the parameters were not updated");
      return;
    }
    const at::Tensor bad = total.detach().isfinite().logical_not();
    if (!non_finite_.defined()) window_start_ = frame;
    window_end_ = frame;
    non_finite_ = non_finite_.defined() ? non_finite_.logical_or(bad) : bad;
    if ((frame + 1) % check_every_ == 0) report_non_finite();
  }

  void report_non_finite() {
    const bool seen = non_finite_.item<bool>();
    non_finite_.reset();
    if (seen)
      throw std::runtime_error("the loss of optimizer '" + name_ + "' became inf or NaN between iterations " +
                               std::to_string(window_start_ + 1) + " and " + std::to_string(window_end_ + 1));
  }

  std::shared_ptr<optim::AdamOptimizer> optimizer_;
  std::string name_;
  bool on_gpu_;
  std::int64_t check_every_;
  std::unique_ptr<optim::GradScaler> scaler_;
  at::Tensor non_finite_;  // GPU: whether a loss since window_start_ was inf or NaN
  std::int64_t window_start_ = 0, window_end_ = 0;
};

}  // namespace
}  // namespace munit

MUNIT_REGISTER_NODE(munit::Step)

#pragma once
// Test support: the two halves of an official MUNIT training iteration (trainer.py: dis_update, gen_update)
// without their optimizer steps: the loss terms, each a scalar tensor, and their weighted total.
// Styles that the official code draws with torch.randn are passed in, so a caller decides where
// randomness comes from.
#include "nodes/munit/config.h"
#include "nodes/munit/discriminator.h"
#include "nodes/munit/generator.h"

namespace munit::model {

struct Networks {
  Generator& gen_a;
  Generator& gen_b;
  Discriminator& dis_a;
  Discriminator& dis_b;
};

struct RandomStyles {
  torch::Tensor s_a, s_b;  // [N, style_dim, 1, 1], N(0, 1)
};

struct DisTerms {
  torch::Tensor loss_dis_a, loss_dis_b, loss_dis_total;
};

// Translations are made with grad off (they are detached in the official code anyway).
DisTerms discriminator_objective(Networks nets, const torch::Tensor& x_a, const torch::Tensor& x_b,
                                 const RandomStyles& styles, const LossWeights& weights);

struct GenTerms {
  torch::Tensor loss_gen_adv_a, loss_gen_adv_b;
  torch::Tensor loss_gen_recon_x_a, loss_gen_recon_x_b;
  torch::Tensor loss_gen_recon_s_a, loss_gen_recon_s_b;
  torch::Tensor loss_gen_recon_c_a, loss_gen_recon_c_b;
  torch::Tensor loss_gen_cycrecon_x_a, loss_gen_cycrecon_x_b;  // zero when recon_x_cyc_w is 0
  torch::Tensor loss_gen_total;
};

// Throws std::invalid_argument when vgg_w > 0 (the perceptual loss is not available).
GenTerms generator_objective(Networks nets, const torch::Tensor& x_a, const torch::Tensor& x_b,
                             const RandomStyles& styles, const LossWeights& weights);

// The official recon_criterion: mean absolute difference.
torch::Tensor recon_criterion(const torch::Tensor& input, const torch::Tensor& target);

}  // namespace munit::model

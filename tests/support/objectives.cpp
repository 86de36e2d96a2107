#include "tests/support/objectives.h"

#include <torch/torch.h>

namespace munit::model {

torch::Tensor recon_criterion(const torch::Tensor& input, const torch::Tensor& target) {
  return torch::mean(torch::abs(input - target));
}

DisTerms discriminator_objective(Networks nets, const torch::Tensor& x_a, const torch::Tensor& x_b,
                                 const RandomStyles& styles, const LossWeights& weights) {
  torch::Tensor x_ba, x_ab;
  {
    torch::NoGradGuard no_grad;
    Codes a = nets.gen_a->encode(x_a);
    Codes b = nets.gen_b->encode(x_b);
    x_ba = nets.gen_a->decode(b.content, styles.s_a);
    x_ab = nets.gen_b->decode(a.content, styles.s_b);
  }
  DisTerms terms;
  terms.loss_dis_a = nets.dis_a->dis_loss(x_ba, x_a);
  terms.loss_dis_b = nets.dis_b->dis_loss(x_ab, x_b);
  terms.loss_dis_total = weights.gan_w * terms.loss_dis_a + weights.gan_w * terms.loss_dis_b;
  return terms;
}

GenTerms generator_objective(Networks nets, const torch::Tensor& x_a, const torch::Tensor& x_b,
                             const RandomStyles& styles, const LossWeights& weights) {
  if (weights.vgg_w > 0)
    throw std::invalid_argument("vgg_w > 0: the domain-invariant perceptual loss is not implemented; set vgg_w: 0");
  const bool cycle = weights.recon_x_cyc_w > 0;
  Codes a = nets.gen_a->encode(x_a);
  Codes b = nets.gen_b->encode(x_b);
  torch::Tensor x_a_recon = nets.gen_a->decode(a.content, a.style);
  torch::Tensor x_b_recon = nets.gen_b->decode(b.content, b.style);
  torch::Tensor x_ba = nets.gen_a->decode(b.content, styles.s_a);
  torch::Tensor x_ab = nets.gen_b->decode(a.content, styles.s_b);
  Codes ba = nets.gen_a->encode(x_ba);  // content of b, style s_a
  Codes ab = nets.gen_b->encode(x_ab);

  GenTerms t;
  t.loss_gen_recon_x_a = recon_criterion(x_a_recon, x_a);
  t.loss_gen_recon_x_b = recon_criterion(x_b_recon, x_b);
  t.loss_gen_recon_s_a = recon_criterion(ba.style, styles.s_a);
  t.loss_gen_recon_s_b = recon_criterion(ab.style, styles.s_b);
  t.loss_gen_recon_c_a = recon_criterion(ab.content, a.content);
  t.loss_gen_recon_c_b = recon_criterion(ba.content, b.content);
  if (cycle) {
    t.loss_gen_cycrecon_x_a = recon_criterion(nets.gen_a->decode(ab.content, a.style), x_a);
    t.loss_gen_cycrecon_x_b = recon_criterion(nets.gen_b->decode(ba.content, b.style), x_b);
  } else {
    t.loss_gen_cycrecon_x_a = torch::zeros({}, x_a.options());
    t.loss_gen_cycrecon_x_b = torch::zeros({}, x_a.options());
  }
  t.loss_gen_adv_a = nets.dis_a->gen_loss(x_ba);
  t.loss_gen_adv_b = nets.dis_b->gen_loss(x_ab);
  // Summed in the official order, so rounding matches.
  torch::Tensor total = weights.gan_w * t.loss_gen_adv_a + weights.gan_w * t.loss_gen_adv_b;
  total = total + weights.recon_x_w * t.loss_gen_recon_x_a;
  total = total + weights.recon_s_w * t.loss_gen_recon_s_a;
  total = total + weights.recon_c_w * t.loss_gen_recon_c_a;
  total = total + weights.recon_x_w * t.loss_gen_recon_x_b;
  total = total + weights.recon_s_w * t.loss_gen_recon_s_b;
  total = total + weights.recon_c_w * t.loss_gen_recon_c_b;
  if (cycle) {
    total = total + weights.recon_x_cyc_w * t.loss_gen_cycrecon_x_a;
    total = total + weights.recon_x_cyc_w * t.loss_gen_cycrecon_x_b;
  }
  t.loss_gen_total = total;
  return t;
}

}  // namespace munit::model

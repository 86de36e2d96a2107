#include "channels_last.h"

#include <torch/torch.h>

namespace munit::model {

void use_channels_last(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : net.parameters())
    if (parameter.dim() == 4) parameter.set_data(parameter.data().contiguous(at::MemoryFormat::ChannelsLast));
}

}  // namespace munit::model

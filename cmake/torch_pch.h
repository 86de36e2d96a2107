// Precompiled for the targets that use LibTorch: its headers dominate their compile time.
#include <torch/torch.h>

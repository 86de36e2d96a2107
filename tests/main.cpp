// GoogleTest main: tests named *_CUDA are skipped, with a message, when no GPU is visible.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (!torch::cuda::is_available()) {
    std::string filter = testing::GTEST_FLAG(filter);
    filter += filter.find('-') == std::string::npos ? "-*_CUDA" : ":*_CUDA";
    testing::GTEST_FLAG(filter) = filter;
    std::printf("note: no CUDA device visible: skipping tests named *_CUDA\n");
  }
  return RUN_ALL_TESTS();
}

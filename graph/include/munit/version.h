#pragma once
// Versions a plugin is checked against: the major must equal the host's, the minor must be at
// most the host's (a newer minor may add SDK features an older host lacks).
namespace munit {
inline constexpr int kAbiMajor = 4;  // 4: schemas import from hyperparameter files and check params;
                                     // 3: typed parameters, NodeSchema resume and model_region, NodeContext
                                     // live_values, ResourceKind trainable; the torch.save codec left the SDK
                                     // (2: NodeSchema::inert_when_zero)
inline constexpr int kAbiMinor = 1;  // 4.1: NodeContext interrupted (1.1: Frame::skip; 1.2: NodeContext
                                     // precision and channels_last)
inline constexpr const char* kVersion = "0.1.0";
}  // namespace munit

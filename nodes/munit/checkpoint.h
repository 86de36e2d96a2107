#pragma once
// MUNIT checkpoints in the official layout, both ways:
//   gen_XXXXXXXX.pt, dis_XXXXXXXX.pt   {'a': state_dict, 'b': state_dict}
//   optimizer.pt                       {'gen': Adam state_dict, 'dis': Adam state_dict}
// XXXXXXXX is the number of iterations done. Files are written atomically; io.checkpoint writes
// them as sets committed by a manifest (checkpoint_set.h).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "../optim/adam.h"
#include "discriminator.h"
#include "generator.h"
#include "torchio/pyobject.h"

namespace munit::model {

using optim::Adam;

// Writes {'a': a.state_dict(), 'b': b.state_dict()}, and 'iterations' when it is >= 0.
void save_pair(const std::filesystem::path& path, const torch::nn::Module& a, const torch::nn::Module& b,
               std::int64_t iterations = -1);

// Loads entry ('a' or 'b') of a gen_/dis_ file. Throws UserError for a file that is not a
// checkpoint, lacks the entry, or does not fit the model (listing keys and a config that would fit).
void load_generator(Generator& generator, const std::filesystem::path& path, const std::string& entry);
void load_discriminator(Discriminator& discriminator, const std::filesystem::path& path, const std::string& entry);
// The same from a file already read (path only names it in messages).
void load_generator(Generator& generator, const py::Object& file, const std::filesystem::path& path,
                    const std::string& entry);
void load_discriminator(Discriminator& discriminator, const py::Object& file, const std::filesystem::path& path,
                        const std::string& entry);

// optimizer.pt: {'gen': gen.state_dict(), 'dis': dis.state_dict()} (and 'iterations' when it is
// >= 0), and back (UserError on mismatch).
void save_optimizers(const std::filesystem::path& path, const Adam& gen, const Adam& dis, std::int64_t iterations = -1);
void load_optimizers(const std::filesystem::path& path, Adam& gen, Adam& dis);
void load_optimizers(const py::Object& file, const std::filesystem::path& path, Adam& gen, Adam& dis);

// What a state dict's shapes say about the config that made it, e.g.
// "input_dim 3, dim 64, style_dim 8, mlp_dim 256, n_downsample 2, n_res 4, activ not prelu".
std::string generator_fit(const py::Object& state_dict);
std::string discriminator_fit(const py::Object& state_dict);

// The official naming: <dir>/<kind>_<iterations, 8 digits>.pt, and the newest one in a folder.
std::filesystem::path checkpoint_path(const std::filesystem::path& dir, const std::string& kind, std::int64_t iterations);
// The <kind>_<iterations>.<extension> files of a folder, by iteration count (8 to 18 digits).
std::map<std::int64_t, std::filesystem::path> numbered_files(const std::filesystem::path& dir, const std::string& kind,
                                                            const std::string& extension = "pt");
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& dir, const std::string& kind);
std::int64_t iterations_of(const std::filesystem::path& checkpoint);  // -1 if the name has no number

}  // namespace munit::model

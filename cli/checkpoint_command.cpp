#include "checkpoint_command.h"

#include <iostream>

#include <torch/torch.h>

#include "munit/errors.h"
#include "torchio/torch_file.h"
#include "nodes/optim/adam.h"
#include "nodes/munit/checkpoint.h"
#include "nodes/munit/config.h"
#include "nodes/munit/state_dict.h"

namespace fs = std::filesystem;

namespace munit::cli {
namespace {

bool is_state_dict(const py::Object& object) {
  if (!object.is(py::Type::Dict) || object.entries().empty()) return false;
  for (const auto& [key, value] : object.entries())
    if (!key.is(py::Type::String) || !value.is(py::Type::Tensor)) return false;
  return true;
}

std::string key_text(const py::Object& key) {
  return key.is(py::Type::String) ? "'" + key.as_string() + "'" : key.describe();
}

void show(const py::Object& object, const std::string& indent, bool all, int depth) {
  if (is_state_dict(object)) {
    std::int64_t elements = 0;
    for (const auto& [key, value] : object.entries()) elements += value.as_tensor().numel();
    std::cout << "state dict: " << object.entries().size() << " tensors, " << elements << " elements\n";
    if (all)
      for (const auto& [key, value] : object.entries())
        std::cout << indent << "  " << key.as_string() << "  " << value.as_tensor().scalar_type()
                  << value.as_tensor().sizes() << "\n";
    return;
  }
  std::cout << object.describe() << "\n";
  if (depth >= 4) return;
  if (object.is(py::Type::Dict)) {
    std::size_t shown = 0;
    for (const auto& [key, value] : object.entries()) {
      if (!all && ++shown > 12) {
        std::cout << indent << "  ... (" << object.entries().size() - 12 << " more; --all shows them)\n";
        break;
      }
      std::cout << indent << "  " << key_text(key) << ": ";
      show(value, indent + "  ", all, depth + 1);
    }
  } else if ((object.is(py::Type::List) || object.is(py::Type::Tuple)) && object.items().size() <= 4) {
    for (const auto& item : object.items()) {
      std::cout << indent << "  - ";
      show(item, indent + "  ", all, depth + 1);
    }
  }
}

std::string detect_kind(const fs::path& file, const py::Object& object) {
  const std::string name = file.filename().string();
  if (name.rfind("gen", 0) == 0) return "gen";
  if (name.rfind("dis", 0) == 0) return "dis";
  if (name.rfind("optimizer", 0) == 0) return "optimizer";
  if (object.is(py::Type::Dict) && object.find("gen") && object.find("dis")) return "optimizer";
  if (object.is(py::Type::Dict))
    if (const py::Object* a = object.find("a"); a && a->is(py::Type::Dict))
      return a->find("mlp.model.0.fc.weight") ? "gen" : "dis";
  throw UserError("cannot tell what '" + file.string() + "' holds; pass --kind gen, dis or optimizer");
}

void check(const CheckpointArgs& args) {
  model::MunitConfig config = model::load_config(args.config);
  py::Object object = load_torch_file(args.file);
  const std::string kind = args.kind == "auto" ? detect_kind(args.file, object) : args.kind;
  if (kind == "gen") {
    model::Generator gen_a(config.gen_a), gen_b(config.gen_b);
    model::load_generator(gen_a, object, args.file, "a");
    model::load_generator(gen_b, object, args.file, "b");
    std::cout << args.file << ": fits " << args.config << " (generators: " << model::parameter_count(*gen_a)
              << " + " << model::parameter_count(*gen_b) << " parameters)\n";
  } else if (kind == "dis") {
    model::Discriminator dis_a(config.dis_a), dis_b(config.dis_b);
    model::load_discriminator(dis_a, object, args.file, "a");
    model::load_discriminator(dis_b, object, args.file, "b");
    std::cout << args.file << ": fits " << args.config << " (discriminators: " << model::parameter_count(*dis_a)
              << " + " << model::parameter_count(*dis_b) << " parameters)\n";
  } else {
    model::Generator gen_a(config.gen_a), gen_b(config.gen_b);
    model::Discriminator dis_a(config.dis_a), dis_b(config.dis_b);
    optim::Adam gen_opt(model::parameters_of({gen_a.get(), gen_b.get()}), optim::AdamOptions::from(config.optimizer));
    optim::Adam dis_opt(model::parameters_of({dis_a.get(), dis_b.get()}), optim::AdamOptions::from(config.optimizer));
    model::load_optimizers(object, args.file, gen_opt, dis_opt);
    std::cout << args.file << ": fits " << args.config << " (Adam states for " << gen_opt.params().size() << " + "
              << dis_opt.params().size() << " parameters, lr " << gen_opt.lr() << ")\n";
  }
}

// convert's output: absent, or a regular file that --overwrite allows replacing; never a device,
// FIFO or directory (the atomic writer would put a file in its place).
void check_output(const fs::path& output, bool overwrite) {
  std::error_code error;
  const fs::file_status status = fs::status(output, error);
  if (!fs::exists(status)) return;
  if (!fs::is_regular_file(status))
    throw UserError("'" + output.string() + "' exists and is not a regular file (" +
                    (fs::is_directory(status) ? "a directory" : "a device, FIFO or socket") +
                    "); name a file to write");
  if (!overwrite)
    throw UserError("'" + output.string() + "' exists already; pass --overwrite to replace it");
}

}  // namespace

CLI::App* add_checkpoint_command(CLI::App& app, CheckpointArgs& args) {
  auto* command = app.add_subcommand("checkpoint", "inspect, check and convert torch checkpoint files");
  command->require_subcommand(1);
  args.show = command->add_subcommand("show", "print what a checkpoint holds");
  args.show->add_option("file", args.file, "a .pt file")->required();
  args.show->add_flag("--all", args.all, "list every tensor");
  args.check = command->add_subcommand("check", "load a MUNIT checkpoint into the model a config describes");
  args.check->add_option("file", args.file, "gen_*.pt, dis_*.pt or optimizer.pt")->required();
  args.check->add_option("--config", args.config, "MUNIT YAML config (official layout)")->required();
  args.check->add_option("--kind", args.kind, "what the file holds (default: from its name)")
      ->check(CLI::IsMember({"auto", "gen", "dis", "optimizer"}));
  args.convert = command->add_subcommand("convert", "rewrite a checkpoint (zip or legacy layout) in the zip layout");
  args.convert->add_option("file", args.file, "input .pt file")->required();
  args.convert->add_option("output", args.output, "output .pt file")->required();
  args.convert->add_flag("--overwrite", args.overwrite, "replace the output file if it exists");
  return command;
}

void run_checkpoint_command(const CheckpointArgs& args) {
  if (*args.show) {
    py::Object object = load_torch_file(args.file);
    std::cout << args.file << ": ";
    show(object, "", args.all, 0);
    if (object.is(py::Type::Dict))
      for (const char* entry : {"a", "b"})
        if (const py::Object* state = object.find(entry); state && is_state_dict(*state))
          std::cout << "'" << entry << "': "
                    << (state->find("mlp.model.0.fc.weight") ? model::generator_fit(*state)
                                                              : model::discriminator_fit(*state))
                    << "\n";
  } else if (*args.check) {
    check(args);
  } else if (*args.convert) {
    check_output(args.output, args.overwrite);
    py::Object object = load_torch_file(args.file);
    save_torch_file(args.output, object, args.overwrite ? Existing::replace : Existing::refuse);
    std::cout << "wrote " << args.output << "\n";
  }
}

}  // namespace munit::cli

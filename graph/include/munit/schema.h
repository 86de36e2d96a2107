#pragma once
// A node kind's contract, declared before anything runs: ports, parameters, execution traits.
// Validation, `munit nodes` and the executor all read this one declaration.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "munit/params.h"
#include "munit/spec.h"
#include "munit/value.h"

namespace munit {

// Typed port constants: the name appears once, the payload type is checked at compile time.
template <class T>
struct In {
  std::string_view name;
};
template <class T>
struct Out {
  std::string_view name;
};

struct PortSpec {
  std::string name;
  ValueKind kind = ValueKind::Tensor;
  bool optional = false;
  std::string help;
  bool list = false;  // an input taking any number of references: in = ["a.out", "b.out"]
};

// Values a kind takes from a hyperparameter file: the kind's own `param` (e.g. `config = "x.yaml"`;
// set to "" it imports nothing) or, where the table does not set it, [pipeline] config. Validation
// adds each imported entry the TOML leaves out, and notes each one the TOML sets too (the TOML
// wins). A kind without a `param` is also asked with an empty file when the pipeline names none, so
// that it can refuse to go without one.
struct Imported {
  std::vector<SpecEntry> entries;              // parameter values; `where` points into the file
  std::vector<std::string> used;               // the file's keys they came from
  std::map<std::string, SourceLocation> keys;  // every key of the file ("gen.dim"), for the unused ones
};
struct Import {
  std::string param;  // empty: only [pipeline] config
  // The file (resolved; may be empty, see above) and the TOML's entries; throws UserError for a file
  // it cannot read.
  std::function<Imported(const std::string& file, const std::vector<SpecEntry>& entries)> read;
  explicit operator bool() const { return static_cast<bool>(read); }
};

// What validation proves before anything runs (a checkpoint that exists and fits, a folder that
// can be written): each problem names the parameter it is about, so it is reported at its line.
struct ParamProblem {
  std::string param;
  std::string message;
};
using ParamCheck = std::function<std::vector<ParamProblem>(const Params&)>;

// What validation knows of a port's tensors or images before anything runs; -1: not known.
struct StaticShape {
  std::int64_t channels = -1, height = -1, width = -1;
};

// A node kind's shape rule sees its inputs' static shapes and its resources' parameters, reports
// what cannot work (an image size the network cannot take, style codes of the wrong width) and
// gives the shapes of its outputs. Rules run in topological order.
class ShapeContext {
 public:
  virtual ~ShapeContext() = default;
  virtual const Params& params() const = 0;
  virtual StaticShape input(std::string_view port) const = 0;      // of its first producer
  virtual std::string producer(std::string_view port) const = 0;   // "node.port", for messages
  virtual const Params* resource(const std::string& param) const = 0;  // of the resource `param` names
  virtual void output(std::string_view port, StaticShape shape) = 0;
  virtual void problem(const std::string& key, const std::string& message) = 0;  // at the line of `key`
};
using ShapeRule = std::function<void(ShapeContext&)>;

enum class Concurrency {
  Serial,    // one frame at a time, in frame order
  Parallel,  // several frames at once, in any order
};

// Every node also has this signal output, emitted when it has processed a frame.
inline constexpr std::string_view kDonePort = "done";

struct NodeSchema {
  std::string kind;
  std::string help;
  std::vector<PortSpec> inputs;
  std::vector<PortSpec> outputs;
  std::vector<ParamSpec> params;
  Concurrency concurrency = Concurrency::Serial;
  bool compute = false;  // runs LibTorch kernels: gets the intra-op threads and a compute lane
  // A numeric parameter that, at 0, makes the node contribute nothing (a loss term's weight): the
  // run then leaves the node out, with the producers only it needed (graph/src/inert.h).
  std::string inert_when_zero;
  // Declared by a node that writes training state: given its parameters, the overrides (as --set
  // takes them) that make a run continue from the newest state it wrote; none when nothing is
  // written yet. `munit run --resume` asks the one node that declares it.
  std::function<std::vector<std::string>(const Params&)> resume;
  // Declared by a node that reads or changes model parameters: the executor admits a frame to it
  // only after the previous frame's optimizer steps (ARCHITECTURE: training order).
  bool model_region = false;
  Import import;
  ParamCheck check;
  ShapeRule shapes;

  explicit NodeSchema(std::string kind_name, std::string help_text = {})
      : kind(std::move(kind_name)), help(std::move(help_text)) {}

  template <class T>
  NodeSchema& input(In<T> port, std::string text) {
    inputs.push_back({std::string(port.name), ValueTraits<T>::kind, false, std::move(text)});
    return *this;
  }
  template <class T>
  NodeSchema& optional_input(In<T> port, std::string text) {
    inputs.push_back({std::string(port.name), ValueTraits<T>::kind, true, std::move(text)});
    return *this;
  }
  // One or more producers, as a TOML list of references; Frame::get_all() returns them in order.
  template <class T>
  NodeSchema& list_input(In<T> port, std::string text) {
    inputs.push_back({std::string(port.name), ValueTraits<T>::kind, false, std::move(text), true});
    return *this;
  }
  template <class T>
  NodeSchema& output(Out<T> port, std::string text) {
    outputs.push_back({std::string(port.name), ValueTraits<T>::kind, false, std::move(text)});
    return *this;
  }
  NodeSchema& param(ParamSpec spec) {
    params.push_back(std::move(spec));
    return *this;
  }
  // Typed parameter constants (munit/params.h), in the order `munit nodes` lists them.
  template <class... Specs>
  NodeSchema& params_of(const Specs&... specs) {
    (params.push_back(specs), ...);
    return *this;
  }
  NodeSchema& parallel() {
    concurrency = Concurrency::Parallel;
    return *this;
  }
  NodeSchema& uses_compute() {
    compute = true;
    return *this;
  }

  NodeSchema& inert_when_zero_param(const ParamSpec& param) {
    inert_when_zero = param.name;
    return *this;
  }

  NodeSchema& resumes_with(std::function<std::vector<std::string>(const Params&)> overrides) {
    resume = std::move(overrides);
    return *this;
  }
  NodeSchema& in_model_region() {
    model_region = true;
    return *this;
  }
  NodeSchema& imports(Import how) {
    import = std::move(how);
    return *this;
  }
  NodeSchema& checks(ParamCheck how) {
    check = std::move(how);
    return *this;
  }
  NodeSchema& shapes_by(ShapeRule rule) {
    shapes = std::move(rule);
    return *this;
  }

  bool is_source() const { return inputs.empty(); }
};

// Resources (models, optimizers) are declared once in TOML and shared by name between nodes.
struct ResourceSchema {
  std::string kind;
  std::string section;  // "models" or "optimizers"
  std::string help;
  std::vector<ParamSpec> params;
  Import import;
  ParamCheck check;

  ResourceSchema(std::string kind_name, std::string section_name, std::string help_text = {})
      : kind(std::move(kind_name)), section(std::move(section_name)), help(std::move(help_text)) {}
  ResourceSchema& param(ParamSpec spec) {
    params.push_back(std::move(spec));
    return *this;
  }
  template <class... Specs>
  ResourceSchema& params_of(const Specs&... specs) {
    (params.push_back(specs), ...);
    return *this;
  }
  ResourceSchema& imports(Import how) {
    import = std::move(how);
    return *this;
  }
  ResourceSchema& checks(ParamCheck how) {
    check = std::move(how);
    return *this;
  }
};

}  // namespace munit

#pragma once
// Node and resource kinds by name. Built-in nodes (MUNIT_REGISTER_NODE) and plugins
// (MUNIT_PLUGIN) both register through Registrar; a Registry is a plain object, so each test can
// build its own.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "munit/node.h"
#include "munit/schema.h"

namespace munit {

// `library` comes first so that it is destroyed last: `create` may be code inside the plugin.
struct NodeKind {
  std::shared_ptr<void> library;  // keeps a plugin loaded while its kinds and nodes live
  NodeSchema schema;
  std::function<std::unique_ptr<Node>(const NodeContext&)> create;
  std::string origin;  // "built-in" or the plugin's path
};

struct ResourceKind {
  std::shared_ptr<void> library;
  ResourceSchema schema;
  std::function<std::shared_ptr<void>(const ResourceContext&)> create;
  std::string origin;
  // Set when the type implements Trainable: the created object seen through that interface.
  std::function<std::shared_ptr<Trainable>(const std::shared_ptr<void>&)> trainable;

  // Creates the resource `context.name` and adds it to `resources`.
  void instantiate(const ResourceContext& context, Resources& resources) const {
    std::shared_ptr<void> object = create(context);
    std::shared_ptr<Trainable> view = trainable ? trainable(object) : nullptr;
    resources.add(context.name, schema.kind, std::move(object), std::move(view));
  }
};

class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual void add(NodeKind kind) = 0;
  virtual void add(ResourceKind kind) = 0;

  // T has `static NodeSchema schema()` and a constructor taking `const NodeContext&`.
  template <class T>
  void add_node() {
    add(NodeKind{{}, T::schema(), [](const NodeContext& context) -> std::unique_ptr<Node> {
                   return std::make_unique<T>(context);
                 }, {}});
  }
  // T has `static constexpr const char* kKind`, `static ResourceSchema schema()` and a
  // constructor taking `const ResourceContext&`; a model derives from Trainable (munit/trainable.h).
  template <class T>
  void add_resource() {
    ResourceKind kind{{}, T::schema(), [](const ResourceContext& context) -> std::shared_ptr<void> {
                        return std::make_shared<T>(context);
                      }, {}, {}};
    if constexpr (std::is_base_of_v<Trainable, T>)
      kind.trainable = [](const std::shared_ptr<void>& object) {
        return std::shared_ptr<Trainable>(object, static_cast<T*>(object.get()));
      };
    add(std::move(kind));
  }
};

class Registry : public Registrar {
 public:
  // A registry holding every built-in kind.
  static Registry with_builtins();

  void add(NodeKind kind) override;
  void add(ResourceKind kind) override;

  const NodeKind* node(const std::string& kind) const;
  const ResourceKind* resource(const std::string& kind) const;
  std::vector<std::string> node_kinds() const;
  std::vector<std::string> resource_kinds() const;

  // While set, added kinds are attributed to this plugin and keep its library loaded.
  void begin_plugin(std::string origin, std::shared_ptr<void> library);
  void end_plugin();

 private:
  std::map<std::string, NodeKind> nodes_;
  std::map<std::string, ResourceKind> resources_;
  std::string origin_ = "built-in";
  std::shared_ptr<void> library_;
};

// Built-in kinds register themselves at static initialisation into this list of callbacks.
std::vector<std::function<void(Registrar&)>>& builtin_registrations();

}  // namespace munit

#define MUNIT_CONCAT_INNER(a, b) a##b
#define MUNIT_CONCAT(a, b) MUNIT_CONCAT_INNER(a, b)

// One per node file: makes the node kind part of every Registry::with_builtins().
#define MUNIT_REGISTER_NODE(Type)                                                       \
  namespace {                                                                           \
  [[maybe_unused]] const bool MUNIT_CONCAT(munit_registered_, __LINE__) = [] {          \
    ::munit::builtin_registrations().push_back(                                         \
        [](::munit::Registrar& registrar) { registrar.add_node<Type>(); });             \
    return true;                                                                        \
  }();                                                                                  \
  }

#define MUNIT_REGISTER_RESOURCE(Type)                                                   \
  namespace {                                                                           \
  [[maybe_unused]] const bool MUNIT_CONCAT(munit_registered_, __LINE__) = [] {          \
    ::munit::builtin_registrations().push_back(                                         \
        [](::munit::Registrar& registrar) { registrar.add_resource<Type>(); });         \
    return true;                                                                        \
  }();                                                                                  \
  }

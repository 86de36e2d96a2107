#include "munit/registry.h"

#include "munit/errors.h"

namespace munit {

std::vector<std::function<void(Registrar&)>>& builtin_registrations() {
  static std::vector<std::function<void(Registrar&)>> registrations;
  return registrations;
}

Registry Registry::with_builtins() {
  Registry registry;
  for (const auto& registration : builtin_registrations()) registration(registry);
  return registry;
}

void Registry::begin_plugin(std::string origin, std::shared_ptr<void> library) {
  origin_ = std::move(origin);
  library_ = std::move(library);
}

void Registry::end_plugin() {
  origin_ = "built-in";
  library_.reset();
}

namespace {

std::string describe(const std::string& origin) {
  return origin == "built-in" ? "built-in" : "plugin '" + origin + "'";
}

// Adds a node or resource kind under its name, attributed to the current origin.
template <class Kind>
void insert(std::map<std::string, Kind>& kinds, Kind kind, const std::string& origin,
            const std::shared_ptr<void>& library, const char* what) {
  kind.origin = origin;
  kind.library = library;
  const std::string name = kind.schema.kind;
  auto [it, inserted] = kinds.try_emplace(name, std::move(kind));
  if (!inserted)
    throw UserError(std::string(what) + " kind '" + name + "' from " + describe(origin) + " is already registered by " +
                    describe(it->second.origin));
}

}  // namespace

void Registry::add(NodeKind kind) { insert(nodes_, std::move(kind), origin_, library_, "node"); }

void Registry::add(ResourceKind kind) { insert(resources_, std::move(kind), origin_, library_, "resource"); }

const NodeKind* Registry::node(const std::string& kind) const {
  auto it = nodes_.find(kind);
  return it == nodes_.end() ? nullptr : &it->second;
}

const ResourceKind* Registry::resource(const std::string& kind) const {
  auto it = resources_.find(kind);
  return it == resources_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::node_kinds() const {
  std::vector<std::string> names;
  for (const auto& [name, kind] : nodes_) names.push_back(name);
  return names;
}

std::vector<std::string> Registry::resource_kinds() const {
  std::vector<std::string> names;
  for (const auto& [name, kind] : resources_) names.push_back(name);
  return names;
}

}  // namespace munit

// mesh.yaml loader: parses the YAML (turning yaml-cpp's exceptions into errors), reads every section,
// and returns the Model only when nothing at all was wrong.
#include "controlplane/model/loader.h"

#include <fstream>
#include <sstream>

#include "controlplane/model/sections.h"

namespace anymesh::model {

namespace {

// The anycast table's own checks, as a last guard: what passes here is what a snapshot can carry.
void check_service_table(const Model& model, const YAML::Node& services, Diagnostics& d) {
  std::vector<anycast::Service> described;
  for (const auto& s : model.services) described.push_back(s.service);
  auto table = anycast::ServiceTable::build(std::move(described));
  if (!table) d.add(services, table.error().field, table.error().reason);
}

}  // namespace

Result<Model, ModelErrors> load_model_text(std::string_view text, const std::string& file_name) {
  Diagnostics d(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    d.add(e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "not valid YAML: " + e.msg);
    return fail(d.take());
  }
  Model model;
  Mapping top(root, "", d, {"regions", "gateways", "services", "policy"});
  if (!top.valid()) return fail(d.take());
  model.regions = read_regions(top);
  model.gateways = read_gateways(top, model.regions);
  model.services = read_services(top, model.regions);
  model.policy = read_policy(top);
  if (d.count() == 0) check_service_table(model, top.get("services"), d);
  if (d.count() != 0) return fail(d.take());
  return model;
}

Result<Model, ModelErrors> load_model_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ModelErrors{ModelError{path, 0, "", "cannot be read"}});
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return fail(ModelErrors{ModelError{path, 0, "", "cannot be read"}});
  return load_model_text(text.str(), path);
}

}  // namespace anymesh::model

// mesh.yaml `policy`: probe settings, path hysteresis, loss threshold and relays; every field has a default.
#include <charconv>

#include "controlplane/model/sections.h"

namespace anymesh::model {

namespace {

constexpr std::uint32_t kMaxOutstandingProbes = 64;  // a gateway lane tracks at most 64 probes in flight

// "1/3": kept as two integers so the comparison the steering does is exact.
std::optional<Fraction> parse_fraction(const std::string& t) {
  auto slash = t.find('/');
  if (slash == std::string::npos) return std::nullopt;
  Fraction f;
  auto [e1, ec1] = std::from_chars(t.data(), t.data() + slash, f.numerator);
  auto [e2, ec2] = std::from_chars(t.data() + slash + 1, t.data() + t.size(), f.denominator);
  if (ec1 != std::errc{} || e1 != t.data() + slash || ec2 != std::errc{} || e2 != t.data() + t.size()) {
    return std::nullopt;
  }
  if (f.denominator == 0 || f.denominator > 1'000'000 || f.numerator > f.denominator) return std::nullopt;
  return f;
}

void read_probe(Mapping& policy, Policy::Probe& probe) {
  auto& d = policy.diagnostics();
  auto node = policy.get("probe");
  if (!node.IsDefined()) return;
  Mapping m(node, policy.path("probe"), d, {"interval_ms", "miss_threshold", "recover_threshold", "timeout_ms"});
  if (!m.valid()) return;
  auto interval = m.number("interval_ms", 1, 60'000, 10);
  auto timeout = m.number("timeout_ms", 1, 60'000, 20);
  if (interval) probe.interval = std::chrono::milliseconds(*interval);
  if (timeout) probe.timeout = std::chrono::milliseconds(*timeout);
  if (auto n = m.number("miss_threshold", 1, 1000, 3)) probe.miss_threshold = static_cast<std::uint32_t>(*n);
  if (auto n = m.number("recover_threshold", 1, 1000, 5)) probe.recover_threshold = static_cast<std::uint32_t>(*n);
  if (interval && timeout && *timeout >= kMaxOutstandingProbes * *interval) {
    d.add(m.has("timeout_ms") ? m.get("timeout_ms") : m.node(), m.path("timeout_ms"),
          std::to_string(*timeout) + " is not below 64 probe intervals");
  }
}

void read_hysteresis(Mapping& policy, Policy::Hysteresis& h) {
  auto& d = policy.diagnostics();
  auto node = policy.get("hysteresis");
  if (!node.IsDefined()) return;
  Mapping m(node, policy.path("hysteresis"), d,
            {"min_improvement_ms", "min_improvement_fraction", "sustained_reports"});
  if (!m.valid()) return;
  if (auto ms = m.number("min_improvement_ms", 0, 60'000, 10)) h.min_improvement = std::chrono::milliseconds(*ms);
  if (auto text = m.text("min_improvement_fraction", "1/3")) {
    if (auto f = parse_fraction(*text)) {
      h.min_improvement_fraction = *f;
    } else {
      d.add(m.get("min_improvement_fraction"), m.path("min_improvement_fraction"),
            "\"" + *text + "\" is not a fraction N/D between 0 and 1, such as 1/3");
    }
  }
  if (auto n = m.number("sustained_reports", 1, 1000, 3)) h.sustained_reports = static_cast<std::uint32_t>(*n);
}

}  // namespace

Policy read_policy(Mapping& top) {
  Policy policy;
  auto node = top.get("policy");
  if (!node.IsDefined()) return policy;
  Mapping m(node, "policy", top.diagnostics(), {"probe", "hysteresis", "loss_threshold_percent", "relay"});
  if (!m.valid()) return policy;
  read_probe(m, policy.probe);
  read_hysteresis(m, policy.hysteresis);
  if (auto loss = m.decimal("loss_threshold_percent", 0.0, 100.0, 5.0)) policy.loss_threshold_percent = *loss;
  if (auto relay = m.flag("relay", true)) policy.relay = *relay;
  return policy;
}

}  // namespace anymesh::model

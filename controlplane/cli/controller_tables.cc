// Printing the controller's replies as fixed-width tables.
#include "controlplane/cli/controller_tables.h"

#include <map>
#include <string>

namespace anymesh::cli {
namespace {

std::string seconds(std::uint64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(ms) / 1000.0);
  return text;
}

std::string millis(std::uint64_t ns) {
  if (ns == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(ns) / 1e6);
  return text;
}

std::string version(std::uint64_t v) { return v == 0 ? "-" : std::to_string(v); }

const char* backup_kind(v1::BackupKind kind) {
  switch (kind) {
    case v1::BACKUP_KIND_OTHER_LANE: return "other-lane";
    case v1::BACKUP_KIND_OTHER_GATEWAY: return "other-gateway";
    case v1::BACKUP_KIND_RELAY: return "relay";
    default: return "?";
  }
}

void print_route(std::FILE* out, const v1::RouteDecision& r, bool with_share) {
  std::uint64_t total = 0;
  for (const auto& h : r.next_hops()) total += h.weight();
  std::string hops;
  for (const auto& h : r.next_hops()) {
    if (!hops.empty()) hops += ", ";
    hops += std::to_string(h.gateway()) + " (w" + std::to_string(h.weight());
    if (with_share && total != 0) {
      char share[16];
      std::snprintf(share, sizeof share, " %.0f%%", 100.0 * h.weight() / static_cast<double>(total));
      hops += share;
    }
    hops += ")";
  }
  std::string backups;
  for (const auto& b : r.backups()) {
    if (!backups.empty()) backups += ", ";
    backups += std::string(backup_kind(b.kind())) + " " + std::to_string(b.gateway());
  }
  std::fprintf(out, "  to %-8s %-12s next hops %-28s backups %-32s rtt %s", r.region().c_str(),
               r.via().empty() ? "direct" : ("via " + r.via()).c_str(), hops.c_str(),
               backups.empty() ? "-" : backups.c_str(), millis(r.rtt_ns()).c_str());
  if (r.sustained() > 0) {
    std::fprintf(out, "  (challenger %s for %u reports)", r.challenger().empty() ? "direct" : r.challenger().c_str(),
                 r.sustained());
  }
  std::fprintf(out, "\n");
}

}  // namespace

void print_status(std::FILE* out, const v1::StatusReply& status, const std::optional<v1::CountersReply>& counters) {
  std::map<std::uint32_t, const v1::GatewayCounters*> reported;
  if (counters) {
    for (const auto& g : counters->gateways()) reported[g.gateway_id()] = &g;
  }
  std::size_t connected = 0;
  std::fprintf(out, "%-8s %-7s %-9s %-10s %-6s %-8s %-6s %-12s %-9s %s\n", "gateway", "region", "connected", "session",
               "sent", "applied", "acked", "last report", "sessions", "last nack");
  for (const auto& g : status.gateways()) {
    auto it = reported.find(g.gateway_id());
    const v1::GatewayCounters* r = it == reported.end() ? nullptr : it->second;
    connected += g.connected() ? 1 : 0;
    std::string nack = g.nack_version() == 0 ? "-" : "v" + std::to_string(g.nack_version()) + ": " + g.nack_reason();
    std::fprintf(out, "%-8u %-7s %-9s %-10s %-6s %-8s %-6s %-12s %-9llu %s\n", g.gateway_id(),
                 r ? r->region().c_str() : "-", g.connected() ? "yes" : "no",
                 g.connected() ? seconds(g.session_age_ms()).c_str() : "-", version(g.version_sent()).c_str(),
                 r && r->reports() > 0 ? version(r->applied_version()).c_str() : "-",
                 version(g.version_acked()).c_str(),
                 g.last_report_age_ms() == 0 ? "-" : (seconds(g.last_report_age_ms()) + " ago").c_str(),
                 static_cast<unsigned long long>(g.sessions()), nack.c_str());
  }
  std::fprintf(out, "%zu of %d gateways connected\n", connected, status.gateways_size());
}

void print_routes(std::FILE* out, const v1::RoutesReply& routes) {
  for (const auto& g : routes.gateways()) {
    std::fprintf(out, "gateway %u (%s)\n", g.gateway_id(), g.region().c_str());
    for (const auto& r : g.routes()) print_route(out, r, false);
  }
}

void print_services(std::FILE* out, const v1::ServicesReply& services) {
  if (services.drained_regions_size() > 0) {
    std::string regions;
    for (const auto& r : services.drained_regions()) regions += (regions.empty() ? "" : ", ") + r;
    std::fprintf(out, "drained regions: %s\n", regions.c_str());
  }
  if (services.services_size() == 0) std::fprintf(out, "no services in the mesh\n");
  for (const auto& s : services.services()) {
    std::string vips;
    for (const auto& v : s.vips()) vips += (vips.empty() ? "" : ", ") + v;
    std::string ports = std::to_string(s.port_first());
    if (s.port_last() != 0 && s.port_last() != s.port_first()) ports += "-" + std::to_string(s.port_last());
    std::fprintf(out, "service %s  %s  %s/%s\n", s.name().c_str(), vips.c_str(),
                 s.protocol() == v1::PROTOCOL_UDP ? "udp" : "tcp", ports.c_str());
    std::fprintf(out, "  %-5s %-8s %-6s %-5s %-9s %-8s %-10s %-16s %s\n", "group", "region", "weight", "dial",
                 "effective", "drained", "health", "backends up/all", "verdict from");
    for (const auto& g : s.groups()) {
      std::string backends = g.health_source() == "reports"
                                 ? std::to_string(g.healthy_backends()) + "/" + std::to_string(g.total_backends())
                                 : "?/" + std::to_string(g.backends());
      std::fprintf(out, "  %-5u %-8s %-6u %-5s %-9s %-8s %-10s %-16s %s\n", g.id(), g.region().c_str(), g.weight(),
                   (std::to_string(g.dial_percent()) + "%").c_str(),
                   (std::to_string(g.effective_dial_percent()) + "%").c_str(), g.drained() ? "yes" : "no",
                   g.healthy() ? "healthy" : "unhealthy", backends.c_str(), g.health_source().c_str());
    }
  }
}

void print_weights(std::FILE* out, const v1::WeightsReply& weights) {
  std::fprintf(out,
               "share = weight x dial x health (what the data plane uses); with latency = share x "
               "H/(H+rtt), H = %s\n",
               millis(weights.half_share_rtt_ns()).c_str());
  for (const auto& g : weights.gateways()) {
    std::fprintf(out, "gateway %u (%s)\n", g.gateway_id(), g.region().c_str());
    for (const auto& s : g.services()) {
      std::fprintf(out, "  service %s\n", s.service().c_str());
      std::fprintf(out, "    %-5s %-8s %-10s %-8s %-14s %-10s %s\n", "group", "region", "share", "share%",
                   "latency share", "latency%", "rtt");
      for (const auto& w : s.groups()) {
        std::fprintf(out, "    %-5u %-8s %-10llu %-8.1f %-14llu %-10.1f %s\n", w.id(), w.region().c_str(),
                     static_cast<unsigned long long>(w.share()), w.percent(),
                     static_cast<unsigned long long>(w.latency_share()), w.latency_percent(),
                     w.rtt_ns() == 0 ? "local or unknown" : millis(w.rtt_ns()).c_str());
      }
    }
    std::fprintf(out, "  routes (next-hop weights)\n");
    for (const auto& r : g.routes()) print_route(out, r, true);
  }
}

}  // namespace anymesh::cli

// The controller's answers as the operator reads them: one table per command (status, routes,
// services, weights).
#pragma once

#include <cstdio>
#include <optional>

#include "controlplane/proto/anymesh.pb.h"

namespace anymesh::cli {

// counters: the gateways' latest reports, for the applied version column (absent: "-").
void print_status(std::FILE* out, const v1::StatusReply& status, const std::optional<v1::CountersReply>& counters);
void print_routes(std::FILE* out, const v1::RoutesReply& routes);
void print_services(std::FILE* out, const v1::ServicesReply& services);
void print_weights(std::FILE* out, const v1::WeightsReply& weights);

}  // namespace anymesh::cli

// MeshQueries: what the Control service asks of the controller for the operator's rpcs (routes,
// services, weights, drain, counters); the controller implements it over steering and the model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/packet/result.h"

namespace anymesh::server {

class MeshQueries {
 public:
  virtual ~MeshQueries() = default;
  // gateway 0: every gateway; an unknown gateway is refused with the reason.
  virtual Result<v1::RoutesReply, std::string> routes(std::uint32_t gateway) const = 0;
  virtual v1::ServicesReply services() const = 0;
  virtual Result<v1::WeightsReply, std::string> weights(std::uint32_t gateway) const = 0;
  // An unknown region is refused with the reason.
  virtual Result<v1::DrainReply, std::string> drain(const std::string& region, bool on) = 0;
  virtual v1::CountersReply counters() const = 0;
  // Starts rotating a gateway's key; refused with the reason (unknown gateway, one lane, a rotation
  // already running, a key in use).
  virtual Result<v1::KeyRotationView, std::string> rotate_key(std::uint32_t gateway, const std::string& public_key) = 0;
  // The running or last rotation, if any.
  virtual std::optional<v1::KeyRotationView> rotation() const = 0;
};

}  // namespace anymesh::server

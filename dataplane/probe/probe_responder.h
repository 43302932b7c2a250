// ProbeResponder: turns a probe request addressed to this gateway into its echo.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/ip_address.h"
#include "dataplane/packet/result.h"
#include "dataplane/probe/probe_constants.h"
#include "dataplane/probe/probe_error.h"

namespace anymesh::probe {

struct ProbeResponderCounters {
  std::uint64_t echoed = 0;
  std::uint64_t refused = 0;
};

class ProbeResponder {
 public:
  ProbeResponder(IpAddress tunnel_address, GatewayId self)
      : tunnel_address_(tunnel_address), self_(self) {}

  // Rewrites the request in `packet` into its echo (addresses swapped, kind echo, responder set,
  // lane, sequence, timestamp and sender untouched, checksums new) and returns the echo's length,
  // which is never more than the request's. On refusal the bytes are left as they were.
  Result<std::size_t, ProbeError> respond_in_place(std::span<std::uint8_t> packet);

  // The same, writing the echo into out and leaving the request alone.
  Result<std::size_t, ProbeError> respond(std::span<const std::uint8_t> request,
                                          std::span<std::uint8_t> out);

  const ProbeResponderCounters& counters() const { return counters_; }

 private:
  IpAddress tunnel_address_;
  GatewayId self_;
  ProbeResponderCounters counters_;
};

}  // namespace anymesh::probe

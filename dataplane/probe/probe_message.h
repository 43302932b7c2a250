// ProbeMessage: the fixed-size probe payload, and its encoder and decoder over byte spans.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/packet/result.h"
#include "dataplane/probe/probe_constants.h"
#include "dataplane/probe/probe_error.h"

namespace anymesh::probe {

enum class ProbeKind : std::uint8_t { request = 1, echo = 2 };

struct ProbeMessage {
  ProbeKind kind = ProbeKind::request;
  LaneId lane = 0;
  std::uint64_t sequence = 0;
  Nanos sent_at{0};  // sender's monotonic clock
  GatewayId sender = 0;
  GatewayId responder = 0;  // 0 in a request
  bool operator==(const ProbeMessage&) const = default;
};

// Writes exactly kProbePayloadLength bytes at the start of out.
Result<std::size_t, ProbeError> encode_probe_message(const ProbeMessage& message,
                                                     std::span<std::uint8_t> out);

// The payload must be exactly kProbePayloadLength bytes (the UDP payload, not a prefix of it).
Result<ProbeMessage, ProbeError> decode_probe_message(std::span<const std::uint8_t> payload);

}  // namespace anymesh::probe

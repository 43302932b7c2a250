// Probe echo: validate the request fully, then write a fresh packet back to its sender.
#include "dataplane/probe/probe_responder.h"

#include "dataplane/probe/probe_packet.h"

namespace anymesh::probe {

Result<std::size_t, ProbeError> ProbeResponder::respond(std::span<const std::uint8_t> request,
                                                        std::span<std::uint8_t> out) {
  auto parsed = parse_probe_packet(request);
  ProbeError reason{};
  if (!parsed) {
    reason = parsed.error();
  } else if (parsed->message.kind != ProbeKind::request) {
    reason = ProbeError::unexpected_kind;
  } else if (parsed->dst != tunnel_address_) {
    reason = ProbeError::not_for_us;
  } else {
    ProbePacket echo{parsed->dst, parsed->src, parsed->message};
    echo.message.kind = ProbeKind::echo;
    echo.message.responder = self_;
    // Everything needed is now in `echo`, so out may be the request's own bytes.
    auto written = write_probe_packet(out, echo);
    if (written) {
      ++counters_.echoed;
      return written;
    }
    reason = written.error();
  }
  ++counters_.refused;
  return fail(reason);
}

Result<std::size_t, ProbeError> ProbeResponder::respond_in_place(std::span<std::uint8_t> packet) {
  return respond(packet, packet);
}

}  // namespace anymesh::probe

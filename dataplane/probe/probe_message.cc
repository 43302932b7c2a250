// Probe payload encoding: fixed offsets, big-endian, every field checked on the way in.
#include "dataplane/probe/probe_message.h"

#include "dataplane/packet/bytes.h"

namespace anymesh::probe {
namespace {

std::uint64_t load_be64(const std::uint8_t* p) {
  return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

void store_be64(std::uint8_t* p, std::uint64_t v) {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}

}  // namespace

Result<std::size_t, ProbeError> encode_probe_message(const ProbeMessage& message,
                                                     std::span<std::uint8_t> out) {
  if (out.size() < kProbePayloadLength) return fail(ProbeError::buffer_too_small);
  std::uint8_t* p = out.data();
  store_be32(p + kProbeMagicOffset, kProbeMagic);
  p[kProbeVersionOffset] = kProbeVersion;
  p[kProbeKindOffset] = static_cast<std::uint8_t>(message.kind);
  store_be16(p + kProbeLaneOffset, message.lane);
  store_be64(p + kProbeSequenceOffset, message.sequence);
  store_be64(p + kProbeSentAtOffset, static_cast<std::uint64_t>(message.sent_at.count()));
  store_be32(p + kProbeSenderOffset, message.sender);
  store_be32(p + kProbeResponderOffset, message.responder);
  return kProbePayloadLength;
}

Result<ProbeMessage, ProbeError> decode_probe_message(std::span<const std::uint8_t> payload) {
  if (payload.size() < kProbePayloadLength) return fail(ProbeError::truncated);
  if (payload.size() > kProbePayloadLength) return fail(ProbeError::bad_length);
  const std::uint8_t* p = payload.data();
  if (load_be32(p + kProbeMagicOffset) != kProbeMagic) return fail(ProbeError::bad_magic);
  if (p[kProbeVersionOffset] != kProbeVersion) return fail(ProbeError::bad_version);
  std::uint8_t kind = p[kProbeKindOffset];
  if (kind != static_cast<std::uint8_t>(ProbeKind::request) &&
      kind != static_cast<std::uint8_t>(ProbeKind::echo)) {
    return fail(ProbeError::bad_kind);
  }
  ProbeMessage m;
  m.kind = static_cast<ProbeKind>(kind);
  m.lane = load_be16(p + kProbeLaneOffset);
  m.sequence = load_be64(p + kProbeSequenceOffset);
  m.sent_at = Nanos(static_cast<Nanos::rep>(load_be64(p + kProbeSentAtOffset)));
  m.sender = load_be32(p + kProbeSenderOffset);
  m.responder = load_be32(p + kProbeResponderOffset);
  return m;
}

}  // namespace anymesh::probe

// libFuzzer harness: any bytes as a frame on the gateway's outer or inner port. The parsers must
// refuse or return offsets inside the frame, never read past it (ASan) or disagree with themselves.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dataplane/pipeline/frames.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> frame(data, size);
  if (auto d = anymesh::pipeline::parse_outer_frame(frame)) {
    if (d->payload_offset + d->payload_length > size) std::abort();
    // Touch the payload: a wrong offset shows up as a heap overflow.
    volatile std::uint8_t sink = 0;
    for (std::size_t i = 0; i < d->payload_length; ++i) sink = sink ^ data[d->payload_offset + i];
  }
  if (auto p = anymesh::pipeline::parse_inner_frame(frame)) {
    if (p->ip_offset + p->ip_length > size || p->ip_length < 20) std::abort();
  }
  return 0;
}

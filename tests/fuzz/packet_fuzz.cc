// libFuzzer harness: every packet decoder on arbitrary bytes must refuse or return spans that
// stay inside the input; ASan catches any read outside it.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/packet/checksum.h"
#include "dataplane/packet/ethernet.h"
#include "dataplane/packet/flow.h"
#include "dataplane/packet/icmp.h"
#include "dataplane/packet/ipv4.h"
#include "dataplane/packet/ipv6.h"
#include "dataplane/packet/tcp.h"
#include "dataplane/packet/udp.h"

namespace {

using Bytes = std::span<const std::uint8_t>;

volatile std::uint32_t sink;  // keeps the accessor reads from being optimised away

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void require_inside(Bytes whole, Bytes part) {
  require(part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

std::uint32_t touch(Bytes part) {
  std::uint32_t s = 0;
  for (auto b : part) s += b;
  return s;
}

void fuzz_flow(Bytes data, anymesh::Framing framing) {
  auto flow = anymesh::parse_flow(data, framing);
  if (!flow) return;
  require(flow->l3_offset <= flow->l4_offset);
  require(flow->l4_offset <= flow->payload_offset);
  require(flow->payload_offset <= flow->end_offset);
  require(flow->end_offset <= data.size());
  sink = touch(data.subspan(flow->payload_offset, flow->end_offset - flow->payload_offset)) +
         flow->key.src_port + flow->key.dst_port + flow->key.protocol;
}

void fuzz_l4(Bytes whole, Bytes l4) {
  if (auto udp = anymesh::UdpView::parse(l4)) {
    require_inside(whole, udp->payload());
    sink = udp->src_port() + udp->dst_port() + udp->length() + udp->checksum() +
           touch(udp->payload());
  }
  if (auto tcp = anymesh::TcpView::parse(l4)) {
    require_inside(whole, tcp->options());
    require_inside(whole, tcp->payload());
    sink = tcp->src_port() + tcp->dst_port() + tcp->seq() + tcp->ack() + tcp->flags() +
           tcp->window() + tcp->checksum() + tcp->urgent_pointer() + touch(tcp->options()) +
           touch(tcp->payload());
  }
  for (auto family : {anymesh::IcmpFamily::v4, anymesh::IcmpFamily::v6}) {
    if (auto icmp = anymesh::IcmpView::parse(l4, family)) {
      require_inside(whole, icmp->payload());
      sink = icmp->type() + icmp->code() + icmp->checksum() + icmp->echo_id() + icmp->echo_seq() +
             icmp->is_echo() + touch(icmp->payload());
    }
  }
}

void fuzz_ip(Bytes whole, Bytes l3) {
  if (auto v4 = anymesh::Ipv4View::parse(l3)) {
    require_inside(whole, v4->packet());
    require_inside(whole, v4->options());
    require(v4->header().size() + v4->payload().size() == v4->packet().size());
    sink = v4->tos() + v4->total_length() + v4->identification() + v4->fragment_offset() +
           v4->ttl() + v4->protocol() + v4->checksum() + v4->src_u32() + v4->dst_u32() +
           v4->header_checksum_ok() + v4->is_fragment() + touch(v4->options()) +
           v4->src().bytes[3];
    auto src = v4->src();
    auto dst = v4->dst();
    sink = anymesh::l4_checksum(src, dst, v4->protocol(), v4->payload());
    fuzz_l4(whole, v4->payload());
  }
  if (auto v6 = anymesh::Ipv6View::parse(l3)) {
    require_inside(whole, v6->packet());
    sink = v6->traffic_class() + v6->flow_label() + v6->payload_length() + v6->next_header() +
           v6->hop_limit() + v6->dst().bytes[15];
    sink = anymesh::l4_checksum(v6->src(), v6->dst(), v6->next_header(), v6->payload());
    fuzz_l4(whole, v6->payload());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes input(data, size);
  fuzz_flow(input, anymesh::Framing::ip);
  fuzz_flow(input, anymesh::Framing::ethernet);
  fuzz_ip(input, input);
  if (auto eth = anymesh::EthernetView::parse(input)) {
    require_inside(input, eth->payload());
    sink = eth->dst()[0] + eth->src()[5] + eth->vlan_id() + eth->ethertype();
    fuzz_ip(input, eth->payload());
  }
  fuzz_l4(input, input);
  sink = anymesh::internet_checksum(input);
  return 0;
}

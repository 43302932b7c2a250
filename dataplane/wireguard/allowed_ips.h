// AllowedIps: the cryptokey routing table, longest-prefix match from an inner address to a peer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "dataplane/packet/ip_address.h"

namespace anymesh::wg {

using PeerId = std::uint32_t;

// One path-compressed binary trie per address family (whitepaper 2: "cryptokey routing").
// Outbound, lookup(destination) picks the peer to seal for; inbound, lookup(source) must equal the
// peer that opened the packet. A prefix belongs to at most one peer: inserting it again moves it.
//
// Nodes live in one vector and link by index, so lookup() never allocates and the whole table is
// a plain value: copy it, change the copy, publish it (the snapshot-swap model of DESIGN.md).
// Mutations allocate and are for the control path only.
class AllowedIps {
 public:
  // Host bits of the prefix are ignored (masked off). Returns false, changing nothing, only for a
  // prefix longer than its family allows.
  bool insert(const IpPrefix& prefix, PeerId peer);
  // Removes the prefix only if it currently belongs to `peer`.
  bool remove(const IpPrefix& prefix, PeerId peer);
  void remove_peer(PeerId peer);
  // Longest matching prefix; at most 33 (v4) or 129 (v6) nodes visited, no allocation.
  std::optional<PeerId> lookup(const IpAddress& address) const;
  // The peer's prefixes in the order they were (last) assigned to it, like `wg show allowed-ips`.
  std::vector<IpPrefix> prefixes_of(PeerId peer) const;
  std::size_t size() const { return prefixes_; }
  // Trie nodes holding a prefix or joining two subtrees; at most 2 * size() - 1 (memory metric).
  std::size_t nodes_in_use() const { return nodes_.size() - free_nodes_; }
  void clear();

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // An address or prefix as a 128-bit big-endian number; v4 sits in the top 32 bits.
  struct Key {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
  };

  struct Node {
    Key key;                            // host bits beyond `length` are zero
    std::uint32_t child[2] = {kNone, kNone};
    std::uint32_t parent = kNone;
    PeerId peer = 0;
    std::uint64_t assigned = 0;         // insertion sequence, orders prefixes_of()
    std::uint8_t length = 0;
    IpAddress::Family family = IpAddress::Family::v4;
    bool has_peer = false;              // a node without a peer only joins two subtrees
  };

  struct Trie {
    std::uint32_t root = kNone;
    std::uint8_t bits = 32;
  };

  static Key key_of(const IpAddress& address);
  static Key masked(Key key, unsigned length);
  static unsigned common_length(const Key& a, const Key& b, unsigned limit);
  static unsigned bit_at(const Key& key, unsigned index);

  Trie& trie_for(IpAddress::Family family);
  const Trie& trie_for(IpAddress::Family family) const;
  std::uint32_t find_exact(const Trie& trie, const Key& key, unsigned length) const;
  std::uint32_t new_node(const Key& key, unsigned length, IpAddress::Family family);
  void free_node(std::uint32_t index);
  void assign(std::uint32_t index, PeerId peer);
  void unassign(std::uint32_t index);
  // Makes `child` hang below `parent` on `side`, or become the root when parent is kNone.
  void attach(Trie& trie, std::uint32_t parent, unsigned side, std::uint32_t child);
  // Points the link that held `from` (its parent's, or the root) at `to`.
  void relink(Trie& trie, std::uint32_t from, std::uint32_t to);
  // Drops peerless nodes that no longer join two subtrees, from `index` upwards.
  void prune(Trie& trie, std::uint32_t index);
  static IpPrefix prefix_of(const Node& node);

  Trie v4_{kNone, 32};
  Trie v6_{kNone, 128};
  std::vector<Node> nodes_;
  std::uint32_t free_list_ = kNone;  // chained through child[0]
  std::size_t free_nodes_ = 0;
  std::size_t prefixes_ = 0;
  std::uint64_t next_assigned_ = 0;
};

}  // namespace anymesh::wg

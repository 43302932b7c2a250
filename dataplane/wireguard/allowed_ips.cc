// AllowedIps: path-compressed binary trie insert, remove, prune and longest-prefix lookup.
#include "dataplane/wireguard/allowed_ips.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace anymesh::wg {

AllowedIps::Key AllowedIps::key_of(const IpAddress& address) {
  Key key;
  const auto& b = address.bytes;
  // Only the first four bytes of a v4 address mean anything; never trust the rest.
  const std::size_t hi_bytes = address.is_v4() ? 4 : 8;
  for (std::size_t i = 0; i < hi_bytes; ++i) key.hi |= std::uint64_t{b[i]} << (56 - 8 * i);
  if (!address.is_v4()) {
    for (std::size_t i = 0; i < 8; ++i) key.lo |= std::uint64_t{b[8 + i]} << (56 - 8 * i);
  }
  return key;
}

AllowedIps::Key AllowedIps::masked(Key key, unsigned length) {
  if (length == 0) return Key{};
  if (length < 64) {
    key.hi &= ~std::uint64_t{0} << (64 - length);
    key.lo = 0;
  } else if (length == 64) {
    key.lo = 0;
  } else if (length < 128) {
    key.lo &= ~std::uint64_t{0} << (128 - length);
  }
  return key;
}

unsigned AllowedIps::common_length(const Key& a, const Key& b, unsigned limit) {
  unsigned same = 128;
  if (const std::uint64_t hi = a.hi ^ b.hi; hi != 0) {
    same = static_cast<unsigned>(std::countl_zero(hi));
  } else if (const std::uint64_t lo = a.lo ^ b.lo; lo != 0) {
    same = 64 + static_cast<unsigned>(std::countl_zero(lo));
  }
  return std::min(same, limit);
}

unsigned AllowedIps::bit_at(const Key& key, unsigned index) {
  return index < 64 ? static_cast<unsigned>((key.hi >> (63 - index)) & 1)
                    : static_cast<unsigned>((key.lo >> (127 - index)) & 1);
}

AllowedIps::Trie& AllowedIps::trie_for(IpAddress::Family family) {
  return family == IpAddress::Family::v4 ? v4_ : v6_;
}

const AllowedIps::Trie& AllowedIps::trie_for(IpAddress::Family family) const {
  return family == IpAddress::Family::v4 ? v4_ : v6_;
}

std::uint32_t AllowedIps::new_node(const Key& key, unsigned length, IpAddress::Family family) {
  std::uint32_t index;
  if (free_list_ != kNone) {
    index = free_list_;
    free_list_ = nodes_[index].child[0];
    --free_nodes_;
  } else {
    index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  Node& node = nodes_[index];
  node = Node{};
  node.key = key;
  node.length = static_cast<std::uint8_t>(length);
  node.family = family;
  return index;
}

void AllowedIps::free_node(std::uint32_t index) {
  nodes_[index] = Node{};
  nodes_[index].child[0] = free_list_;
  free_list_ = index;
  ++free_nodes_;
}

void AllowedIps::assign(std::uint32_t index, PeerId peer) {
  Node& node = nodes_[index];
  if (!node.has_peer) ++prefixes_;
  node.has_peer = true;
  node.peer = peer;
  node.assigned = next_assigned_++;
}

void AllowedIps::unassign(std::uint32_t index) {
  nodes_[index].has_peer = false;
  --prefixes_;
}

void AllowedIps::attach(Trie& trie, std::uint32_t parent, unsigned side, std::uint32_t child) {
  if (parent == kNone) {
    trie.root = child;
  } else {
    nodes_[parent].child[side] = child;
  }
  if (child != kNone) nodes_[child].parent = parent;
}

void AllowedIps::relink(Trie& trie, std::uint32_t from, std::uint32_t to) {
  const std::uint32_t parent = nodes_[from].parent;
  const unsigned side = parent != kNone && nodes_[parent].child[1] == from ? 1 : 0;
  attach(trie, parent, side, to);
}

bool AllowedIps::insert(const IpPrefix& prefix, PeerId peer) {
  const IpAddress::Family family = prefix.address.family;
  Trie& trie = trie_for(family);
  if (prefix.length > trie.bits) return false;
  const unsigned length = prefix.length;
  const Key key = masked(key_of(prefix.address), length);

  std::uint32_t parent = kNone;
  unsigned side = 0;
  std::uint32_t at = trie.root;
  while (at != kNone) {
    const unsigned at_length = nodes_[at].length;
    const unsigned common = common_length(nodes_[at].key, key, std::min(at_length, length));
    if (common == at_length && at_length == length) {
      assign(at, peer);  // the same prefix: it moves to (or stays with) this peer
      return true;
    }
    if (common == at_length) {  // `at` covers the new prefix: go deeper
      parent = at;
      side = bit_at(key, at_length);
      at = nodes_[at].child[side];
      continue;
    }
    // The new prefix belongs on the link parent -> at, either above `at` or beside it.
    const std::uint32_t leaf = new_node(key, length, family);
    assign(leaf, peer);
    if (common == length) {
      attach(trie, parent, side, leaf);
      attach(trie, leaf, bit_at(nodes_[at].key, length), at);
    } else {
      const std::uint32_t fork = new_node(masked(key, common), common, family);
      attach(trie, parent, side, fork);
      attach(trie, fork, bit_at(key, common), leaf);
      attach(trie, fork, bit_at(nodes_[at].key, common), at);
    }
    return true;
  }
  const std::uint32_t leaf = new_node(key, length, family);
  assign(leaf, peer);
  attach(trie, parent, side, leaf);
  return true;
}

std::uint32_t AllowedIps::find_exact(const Trie& trie, const Key& key, unsigned length) const {
  std::uint32_t at = trie.root;
  while (at != kNone) {
    const Node& node = nodes_[at];
    if (node.length > length || common_length(node.key, key, node.length) < node.length) {
      return kNone;
    }
    if (node.length == length) return at;
    at = node.child[bit_at(key, node.length)];
  }
  return kNone;
}

void AllowedIps::prune(Trie& trie, std::uint32_t index) {
  while (index != kNone) {
    const Node& node = nodes_[index];
    if (node.has_peer) return;
    if (node.child[0] != kNone && node.child[1] != kNone) return;  // still joins two subtrees
    const std::uint32_t parent = node.parent;
    const std::uint32_t only = node.child[0] != kNone ? node.child[0] : node.child[1];
    relink(trie, index, only);
    free_node(index);
    // Splicing in the only child leaves the parent's shape alone; a vanished leaf does not.
    if (only != kNone) return;
    index = parent;
  }
}

bool AllowedIps::remove(const IpPrefix& prefix, PeerId peer) {
  Trie& trie = trie_for(prefix.address.family);
  if (prefix.length > trie.bits) return false;
  const std::uint32_t at =
      find_exact(trie, masked(key_of(prefix.address), prefix.length), prefix.length);
  if (at == kNone || !nodes_[at].has_peer || nodes_[at].peer != peer) return false;
  unassign(at);
  prune(trie, at);
  return true;
}

void AllowedIps::remove_peer(PeerId peer) {
  // Indices stay valid while pruning (nodes are only recycled, never moved), and freed nodes
  // carry no peer, so one pass over the pool finds every prefix of the peer.
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].has_peer || nodes_[i].peer != peer) continue;
    unassign(i);
    prune(trie_for(nodes_[i].family), i);
  }
}

std::optional<PeerId> AllowedIps::lookup(const IpAddress& address) const {
  const Trie& trie = trie_for(address.family);
  const Key key = key_of(address);
  std::optional<PeerId> best;
  std::uint32_t at = trie.root;
  // Every prefix containing the address lies on this one path, shortest first.
  while (at != kNone) {
    const Node& node = nodes_[at];
    if (common_length(node.key, key, node.length) < node.length) break;
    if (node.has_peer) best = node.peer;
    if (node.length == trie.bits) break;
    at = node.child[bit_at(key, node.length)];
  }
  return best;
}

IpPrefix AllowedIps::prefix_of(const Node& node) {
  IpPrefix prefix;
  prefix.address.family = node.family;
  prefix.length = node.length;
  const std::size_t size = node.family == IpAddress::Family::v4 ? 4 : 16;
  for (std::size_t i = 0; i < size; ++i) {
    const std::uint64_t word = i < 8 ? node.key.hi : node.key.lo;
    prefix.address.bytes[i] = static_cast<std::uint8_t>(word >> (56 - 8 * (i % 8)));
  }
  return prefix;
}

std::vector<IpPrefix> AllowedIps::prefixes_of(PeerId peer) const {
  std::vector<std::pair<std::uint64_t, IpPrefix>> found;
  for (const Node& node : nodes_) {
    if (node.has_peer && node.peer == peer) found.emplace_back(node.assigned, prefix_of(node));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<IpPrefix> prefixes;
  prefixes.reserve(found.size());
  for (auto& [order, prefix] : found) prefixes.push_back(prefix);
  return prefixes;
}

void AllowedIps::clear() {
  nodes_.clear();
  free_list_ = kNone;
  free_nodes_ = 0;
  v4_.root = kNone;
  v6_.root = kNone;
  prefixes_ = 0;
}

}  // namespace anymesh::wg

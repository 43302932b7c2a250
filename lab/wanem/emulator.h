// The WAN emulator: ports, the directed link between every ordered pair of ports, and the forwarding loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lab/wanem/frame_pool.h"
#include "lab/wanem/link.h"
#include "lab/wanem/mac_table.h"
#include "lab/wanem/port.h"

namespace anymesh::lab {

class Control;

class Emulator {
 public:
  Emulator(std::size_t pool_slots, std::uint64_t seed);

  // site is the name links use ("r1", "c1"), ifname the veth in the emulator's namespace.
  std::string add_port(const std::string& site, const std::string& ifname);
  // Creates the links once every port is known.
  void finish_ports();

  // Runs until stop is requested through the control socket or a signal sets *stop.
  void run(Control& control, volatile bool* stop);

  Link* link(const std::string& from, const std::string& to);
  std::vector<std::unique_ptr<Port>>& ports() { return ports_; }
  std::vector<Link>& links() { return links_; }
  const FramePool& pool() const { return pool_; }

 private:
  void receive_from(int in, Nanos now);
  void offer(int in, int out, SlotId slot, Nanos now);
  void release_due(Nanos now);
  // Ends timed outages that are over and returns the next time the loop must wake, -1 for none.
  Nanos next_wakeup();
  Link& link_at(int from, int to) { return links_[static_cast<std::size_t>(from) * ports_.size() + static_cast<std::size_t>(to)]; }

  FramePool pool_;
  std::uint64_t seed_;
  MacTable macs_;
  std::vector<std::unique_ptr<Port>> ports_;
  std::vector<Link> links_;  // ports x ports, diagonal unused
};

}  // namespace anymesh::lab

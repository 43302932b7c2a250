// Forwarding loop: receive a batch per port, pick the egress by MAC, run the frame through its link, send what is due.
#include "lab/wanem/emulator.h"

#include <poll.h>

#include <algorithm>
#include <vector>

#include "lab/wanem/control.h"

namespace anymesh::lab {

Emulator::Emulator(std::size_t pool_slots, std::uint64_t seed) : pool_(pool_slots), seed_(seed) {}

std::string Emulator::add_port(const std::string& site, const std::string& ifname) {
  for (auto& p : ports_)
    if (p->site() == site) return "duplicate site " + site;
  auto port = std::make_unique<Port>(site, ifname);
  if (auto err = port->open(); !err.empty()) return err;
  ports_.push_back(std::move(port));
  return {};
}

void Emulator::finish_ports() {
  links_.clear();
  for (std::size_t i = 0; i < ports_.size(); ++i)
    for (std::size_t j = 0; j < ports_.size(); ++j)
      links_.emplace_back(ports_[i]->site(), ports_[j]->site(), seed_ + i * 131 + j * 7919);
}

Link* Emulator::link(const std::string& from, const std::string& to) {
  for (auto& l : links_)
    if (l.from() == from && l.to() == to && from != to) return &l;
  return nullptr;
}

void Emulator::offer(int in, int out, SlotId slot, Nanos now) {
  Link& l = link_at(in, out);
  switch (l.admit(slot, pool_.length(slot), now)) {
    case Admission::kSendNow:
      ++l.counters().forwarded;
      l.counters().bytes += pool_.length(slot);
      ports_[static_cast<std::size_t>(out)]->enqueue_tx(pool_, slot);
      return;
    case Admission::kQueued:
      return;
    case Admission::kLost:
    case Admission::kBlackholed:
    case Admission::kOverflow:
      pool_.give_back(slot);
      return;
  }
}

void Emulator::receive_from(int in, Nanos now) {
  SlotId ids[Port::kBatch];
  Port& port = *ports_[static_cast<std::size_t>(in)];
  const int n = port.receive(pool_, ids);
  const int nports = static_cast<int>(ports_.size());
  for (int i = 0; i < n; ++i) {
    const SlotId slot = ids[i];
    const std::uint8_t* frame = pool_.data(slot);
    if (pool_.length(slot) < 14) {
      pool_.give_back(slot);
      continue;
    }
    macs_.learn(frame + 6, in);
    const int out = (frame[0] & 1) ? MacTable::kUnknown : macs_.lookup(frame);
    if (out == in) {
      pool_.give_back(slot);  // both stations behind one port: not ours to forward
      continue;
    }
    if (out != MacTable::kUnknown) {
      offer(in, out, slot, now);
      continue;
    }
    // Broadcast, multicast or unknown unicast: every other port gets a copy through its own link.
    int last = -1;
    for (int o = 0; o < nports; ++o) {
      if (o == in) continue;
      if (last >= 0) {
        SlotId copy;
        if (!pool_.take(copy)) {
          ++port.counters().pool_drops;
          continue;
        }
        std::copy_n(frame, pool_.length(slot), pool_.data(copy));
        pool_.length(copy) = pool_.length(slot);
        offer(in, last, copy, now);
      }
      last = o;
    }
    if (last >= 0) offer(in, last, slot, now);
    else pool_.give_back(slot);
  }
}

void Emulator::release_due(Nanos now) {
  const int nports = static_cast<int>(ports_.size());
  for (int from = 0; from < nports; ++from) {
    for (int to = 0; to < nports; ++to) {
      if (from == to) continue;
      Link& l = link_at(from, to);
      SlotId slot;
      bool blackholed = false;
      while (l.pop_due(now, slot, blackholed)) {
        if (blackholed) {
          pool_.give_back(slot);
          continue;
        }
        ++l.counters().forwarded;
        l.counters().bytes += pool_.length(slot);
        ports_[static_cast<std::size_t>(to)]->enqueue_tx(pool_, slot);
      }
    }
  }
}

Nanos Emulator::next_wakeup() {
  Nanos next = -1;
  const Nanos now = monotonic_now();
  for (auto& l : links_) {
    for (const Nanos t : {l.next_departure(), l.restore_if_due(now)})
      if (t >= 0 && (next < 0 || t < next)) next = t;
  }
  return next;
}

void Emulator::run(Control& control, volatile bool* stop) {
  std::vector<pollfd> fds;
  while (!*stop && !control.stop_requested()) {
    fds.clear();
    for (auto& p : ports_) fds.push_back(pollfd{p->fd(), POLLIN, 0});
    const std::size_t control_first = fds.size();
    control.add_poll_fds(fds);

    // Block until a frame arrives, a held frame is due or a control command comes: idle costs nothing.
    const Nanos wake = next_wakeup();
    timespec timeout{};
    timespec* timeout_ptr = nullptr;
    if (wake >= 0) {
      const Nanos wait = std::max<Nanos>(0, wake - monotonic_now());
      timeout.tv_sec = wait / 1'000'000'000;
      timeout.tv_nsec = wait % 1'000'000'000;
      timeout_ptr = &timeout;
    }
    const int ready = ppoll(fds.data(), fds.size(), timeout_ptr, nullptr);
    Nanos now = monotonic_now();
    release_due(now);
    if (ready > 0) {
      for (std::size_t i = 0; i < ports_.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        // A few batches per port per turn keeps one busy port from starving the others and the timers.
        for (int turn = 0; turn < 8; ++turn) {
          const auto before = ports_[i]->counters().rx;
          receive_from(static_cast<int>(i), now);
          if (ports_[i]->counters().rx - before < static_cast<std::uint64_t>(Port::kBatch)) break;
          now = monotonic_now();
        }
      }
      control.serve(fds, control_first, *this);
    }
    for (auto& p : ports_) p->flush(pool_);
  }
}

}  // namespace anymesh::lab

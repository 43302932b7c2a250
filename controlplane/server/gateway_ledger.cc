// Issuing, signing and tracking snapshot versions per gateway; the state file follows every issue.
#include "controlplane/server/gateway_ledger.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace anymesh::server {
namespace {

// BLAKE2b-256 of the snapshot serialized without its version: equal digests mean nothing to push.
std::string digest_of(const std::string& bytes) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                     nullptr, 0);
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::uint64_t age_ms(std::chrono::steady_clock::time_point since) {
  auto age = std::chrono::steady_clock::now() - since;
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(age).count()));
}

}  // namespace

GatewayLedger::GatewayLedger(std::vector<GatewayId> gateways, SnapshotSource source, SigningKey key,
                             std::filesystem::path state_dir, std::optional<v1::KeyEndorsement> endorsement)
    : ids_(std::move(gateways)),
      source_(std::move(source)),
      key_(std::move(key)),
      endorsement_(std::move(endorsement)),
      state_dir_(std::move(state_dir)) {
  const auto state = load_controller_state(state_dir_);
  for (GatewayId id : ids_) {
    auto& gateway = gateways_[id];
    if (auto it = state.find(id); it != state.end()) gateway.issued = it->second;
  }
  refresh();
}

v1::SignedSnapshot GatewayLedger::signed_copy(std::string_view unversioned, std::uint64_t version) const {
  auto out = sign_unversioned(key_, unversioned, version);
  if (endorsement_) *out.mutable_endorsement() = *endorsement_;
  return out;
}

void GatewayLedger::sign_issued(Gateway& gateway) {
  gateway.signed_snapshot = signed_copy(*gateway.content, gateway.issued.version);
}

void GatewayLedger::issue(Gateway& gateway, std::uint64_t version, bool sign) {
  gateway.issued_generation = generation_ + 1;  // the persist() that follows every issue
  gateway.issued.version = version;
  gateway.issued.digest = gateway.content_digest;
  if (sign) sign_issued(gateway);
}

void GatewayLedger::persist(std::unique_lock<std::mutex>& lock) {
  ++generation_;
  // One writer at a time, outside the lock: the active writer loops until the file holds the
  // newest generation, so a burst of Acks from a thousand gateways costs a few writes, not one each.
  if (writing_) return;
  writing_ = true;
  while (saved_generation_ < generation_) {
    const std::uint64_t generation = generation_;
    ControllerState state;
    for (const auto& [id, gateway] : gateways_) {
      if (gateway.issued.version != 0) state[id] = gateway.issued;
    }
    lock.unlock();
    // Serving on is better than stopping: a version forgotten by a restart is issued again above
    // whatever the gateway reports in its Hello.
    auto problem = save_controller_state(state_dir_, state);
    if (problem) std::fprintf(stderr, "anymesh-controller: state not saved: %s\n", problem->c_str());
    lock.lock();
    saved_generation_ = generation;
  }
  writing_ = false;
  changed_.notify_all();  // versions waiting for the file may go out now
}

std::size_t GatewayLedger::refresh() { return refresh(ids_); }

std::size_t GatewayLedger::refresh(std::span<const GatewayId> only) {
  // Compiling, serializing, hashing and signing a thousand snapshots takes time: all of it happens
  // outside the lock, which only sees the results (sessions keep reading Acks and Reports meanwhile).
  struct Compiled {
    GatewayId id = 0;
    std::shared_ptr<const std::string> bytes;
    std::string digest;
    std::uint64_t version = 0;  // issued under the lock, signed after it
    v1::SignedSnapshot signed_snapshot;
  };
  std::vector<Compiled> compiled;
  compiled.reserve(only.size());
  for (GatewayId id : only) {
    // gateways_ is only ever read here: its keys are fixed at construction.
    if (gateways_.count(id) == 0) continue;
    auto content = source_(id);
    if (!content) continue;
    content->set_version(0);
    auto bytes = std::make_shared<const std::string>(serialize_deterministic(*content));
    compiled.push_back({id, bytes, digest_of(*bytes), 0, {}});
  }

  std::size_t issued = 0;
  {
    std::unique_lock lock(mutex_);
    for (auto& c : compiled) {
      auto& gateway = gateways_[c.id];
      if (c.digest != gateway.content_digest || !gateway.content) {
        gateway.content = c.bytes;
        gateway.content_digest = c.digest;
      }
      if (gateway.issued.version == 0) continue;  // the first version waits for the gateway's Hello
      if (gateway.content_digest != gateway.issued.digest) {
        issue(gateway, gateway.issued.version + 1, false);
        c.version = gateway.issued.version;
        ++issued;
      } else if (gateway.signed_snapshot.version() != gateway.issued.version) {
        c.version = gateway.issued.version;  // after a restart: the same version, the same content
      }
    }
    if (issued != 0) persist(lock);
  }
  bool signed_any = false;
  for (auto& c : compiled) {
    if (c.version == 0) continue;
    c.signed_snapshot = signed_copy(*c.bytes, c.version);
    signed_any = true;
  }
  if (signed_any) {
    std::lock_guard lock(mutex_);
    for (auto& c : compiled) {
      auto& gateway = gateways_[c.id];
      // A Hello may have issued a newer version (signed there) meanwhile: this one is then history.
      if (c.version != 0 && gateway.issued.version == c.version && gateway.issued.digest == c.digest) {
        gateway.signed_snapshot = std::move(c.signed_snapshot);
      }
    }
  }
  if (signed_any) changed_.notify_all();
  return issued;
}

Result<SessionTicket, std::string> GatewayLedger::open_session(GatewayId id, std::uint64_t applied_version,
                                                               std::function<void()> cancel) {
  SessionTicket ticket;
  {
    std::unique_lock lock(mutex_);
    auto it = gateways_.find(id);
    if (it == gateways_.end()) return fail("gateway " + std::to_string(id) + " is not in the mesh");
    auto& gateway = it->second;
    if (gateway.session != 0 && gateway.cancel) gateway.cancel();
    ticket = SessionTicket{id, next_session_++};
    gateway.session = ticket.id;
    gateway.cancel = std::move(cancel);
    gateway.session_start = Clock::now();
    gateway.last_report.reset();
    gateway.session_has = applied_version;
    ++gateway.sessions;
    if (gateway.content) {
      if (gateway.issued.version == 0 || applied_version > gateway.issued.version) {
        issue(gateway, applied_version + 1);
        persist(lock);
      } else if (applied_version == gateway.issued.version) {
        gateway.sent = std::max(gateway.sent, applied_version);  // before our restart, maybe
        if (gateway.issued.acked != applied_version) {
          gateway.issued.acked = applied_version;  // it runs what we last issued
          persist(lock);
        }
      }
    }
  }
  changed_.notify_all();
  return ticket;
}

GatewayLedger::Gateway* GatewayLedger::session_gateway(const SessionTicket& ticket) {
  auto it = gateways_.find(ticket.gateway);
  if (it == gateways_.end() || it->second.session != ticket.id) return nullptr;
  return &it->second;
}

std::optional<v1::SignedSnapshot> GatewayLedger::next_to_send(const SessionTicket& ticket) {
  std::unique_lock lock(mutex_);
  Gateway* gateway = nullptr;
  changed_.wait(lock, [&] {
    gateway = session_gateway(ticket);
    return gateway == nullptr ||
           (gateway->issued.version != 0 && gateway->issued.version != gateway->session_has &&
            gateway->signed_snapshot.version() == gateway->issued.version &&
            gateway->issued_generation <= saved_generation_);  // never send a version not yet on disk
  });
  if (gateway == nullptr) return std::nullopt;
  gateway->session_has = gateway->issued.version;
  gateway->sent = gateway->issued.version;
  return gateway->signed_snapshot;
}

void GatewayLedger::acked(const SessionTicket& ticket, std::uint64_t version) {
  std::unique_lock lock(mutex_);
  Gateway* gateway = session_gateway(ticket);
  if (gateway == nullptr || version > gateway->issued.version || version <= gateway->issued.acked) return;
  gateway->issued.acked = version;
  persist(lock);
}

void GatewayLedger::nacked(const SessionTicket& ticket, std::uint64_t version, const std::string& reason) {
  std::lock_guard lock(mutex_);
  Gateway* gateway = session_gateway(ticket);
  if (gateway == nullptr) return;
  gateway->nack_version = version;
  gateway->nack_reason = reason;
}

void GatewayLedger::reported(const SessionTicket& ticket) {
  std::lock_guard lock(mutex_);
  if (Gateway* gateway = session_gateway(ticket)) gateway->last_report = Clock::now();
}

void GatewayLedger::close_session(const SessionTicket& ticket) {
  {
    std::lock_guard lock(mutex_);
    Gateway* gateway = session_gateway(ticket);
    if (gateway == nullptr) return;
    gateway->session = 0;
    gateway->cancel = nullptr;
  }
  changed_.notify_all();
}

void GatewayLedger::close_all() {
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, gateway] : gateways_) {
      if (gateway.session != 0 && gateway.cancel) gateway.cancel();
      gateway.session = 0;
      gateway.cancel = nullptr;
    }
  }
  changed_.notify_all();
}

v1::StatusReply GatewayLedger::status() const {
  v1::StatusReply reply;
  std::lock_guard lock(mutex_);
  for (const auto& [id, gateway] : gateways_) {
    auto* out = reply.add_gateways();
    out->set_gateway_id(id);
    out->set_connected(gateway.session != 0);
    out->set_version_sent(gateway.sent);
    out->set_version_acked(gateway.issued.acked);
    out->set_nack_version(gateway.nack_version);
    out->set_nack_reason(gateway.nack_reason);
    if (gateway.session != 0) {
      out->set_session_age_ms(age_ms(gateway.session_start));
      if (gateway.last_report) out->set_last_report_age_ms(age_ms(*gateway.last_report));
    }
    out->set_sessions(gateway.sessions);
  }
  return reply;
}

std::map<GatewayId, std::uint64_t> GatewayLedger::issued_versions() const {
  std::map<GatewayId, std::uint64_t> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, gateway] : gateways_) out.emplace(id, gateway.issued.version);
  return out;
}

}  // namespace anymesh::server

// Issuing, signing and tracking snapshot versions per gateway; the state file follows every issue.
#include "controlplane/server/gateway_ledger.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace anymesh::server {
namespace {

// BLAKE2b-256 of the snapshot without its version: equal digests mean nothing to push.
std::string content_digest(const v1::GatewaySnapshot& content) {
  const std::string bytes = serialize_deterministic(content);
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
                             std::filesystem::path state_dir)
    : ids_(std::move(gateways)), source_(std::move(source)), key_(std::move(key)), state_dir_(std::move(state_dir)) {
  const auto state = load_controller_state(state_dir_);
  for (GatewayId id : ids_) {
    auto& gateway = gateways_[id];
    if (auto it = state.find(id); it != state.end()) gateway.issued = it->second;
  }
  refresh();
}

void GatewayLedger::accept_content(Gateway& gateway, v1::GatewaySnapshot content) {
  content.set_version(0);
  gateway.content_digest = content_digest(content);
  gateway.content = std::move(content);
}

void GatewayLedger::sign_issued(Gateway& gateway) {
  v1::GatewaySnapshot snapshot = *gateway.content;
  snapshot.set_version(gateway.issued.version);
  gateway.signed_snapshot = sign_snapshot(key_, snapshot);
}

void GatewayLedger::issue(Gateway& gateway, std::uint64_t version) {
  gateway.issued.version = version;
  gateway.issued.digest = gateway.content_digest;
  sign_issued(gateway);
}

void GatewayLedger::save_state() {
  ControllerState state;
  for (const auto& [id, gateway] : gateways_) {
    if (gateway.issued.version != 0) state[id] = gateway.issued;
  }
  // Serving on is better than stopping: a version forgotten by a restart is issued again above
  // whatever the gateway reports in its Hello.
  if (auto problem = save_controller_state(state_dir_, state)) {
    std::fprintf(stderr, "anymesh-controller: state not saved: %s\n", problem->c_str());
  }
}

std::size_t GatewayLedger::refresh() {
  std::vector<std::pair<GatewayId, std::optional<v1::GatewaySnapshot>>> compiled;
  compiled.reserve(ids_.size());
  for (GatewayId id : ids_) compiled.emplace_back(id, source_(id));  // outside the lock: may be slow

  std::size_t issued = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, content] : compiled) {
      if (!content) continue;
      auto& gateway = gateways_[id];
      accept_content(gateway, std::move(*content));
      if (gateway.issued.version == 0) continue;  // the first version waits for the gateway's Hello
      if (gateway.content_digest != gateway.issued.digest) {
        issue(gateway, gateway.issued.version + 1);
        ++issued;
      } else if (gateway.signed_snapshot.version() != gateway.issued.version) {
        sign_issued(gateway);  // after a restart: the same version, the same content
      }
    }
    if (issued != 0) save_state();
  }
  if (issued != 0) changed_.notify_all();
  return issued;
}

Result<SessionTicket, std::string> GatewayLedger::open_session(GatewayId id, std::uint64_t applied_version,
                                                               std::function<void()> cancel) {
  SessionTicket ticket;
  {
    std::lock_guard lock(mutex_);
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
        save_state();
      } else if (applied_version == gateway.issued.version) {
        gateway.sent = std::max(gateway.sent, applied_version);  // before our restart, maybe
        if (gateway.issued.acked != applied_version) {
          gateway.issued.acked = applied_version;  // it runs what we last issued
          save_state();
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
            gateway->signed_snapshot.version() == gateway->issued.version);
  });
  if (gateway == nullptr) return std::nullopt;
  gateway->session_has = gateway->issued.version;
  gateway->sent = gateway->issued.version;
  return gateway->signed_snapshot;
}

void GatewayLedger::acked(const SessionTicket& ticket, std::uint64_t version) {
  std::lock_guard lock(mutex_);
  Gateway* gateway = session_gateway(ticket);
  if (gateway == nullptr || version > gateway->issued.version || version <= gateway->issued.acked) return;
  gateway->issued.acked = version;
  save_state();
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

}  // namespace anymesh::server

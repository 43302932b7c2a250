// GatewayLedger: per gateway, the snapshot versions issued, sent, acknowledged and refused, and its
// open session. Issues a new signed version only when a gateway's compiled snapshot changed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/proto/anymesh.pb.h"
#include "controlplane/server/controller_state.h"
#include "controlplane/server/snapshot_signer.h"
#include "dataplane/packet/result.h"

namespace anymesh::server {

// The gateway's snapshot as it should be now, version left 0 (the ledger numbers it); nothing
// when it cannot be compiled (the gateway keeps the last version).
using SnapshotSource = std::function<std::optional<v1::GatewaySnapshot>(GatewayId)>;

// One open session of one gateway; a newer session of the same gateway supersedes it.
struct SessionTicket {
  GatewayId gateway = 0;
  std::uint64_t id = 0;
};

class GatewayLedger {
 public:
  // Reads the state dir (throws std::runtime_error when its state file is corrupt) and compiles
  // every gateway once.
  GatewayLedger(std::vector<GatewayId> gateways, SnapshotSource source, SigningKey key,
                std::filesystem::path state_dir,
                std::optional<v1::KeyEndorsement> endorsement = std::nullopt);

  // Compiles every gateway again; a gateway whose snapshot changed gets the next version, signed,
  // recorded in the state dir and pushed to its session. Returns how many versions were issued.
  std::size_t refresh();
  // The same for these gateways only (ids the ledger does not know are skipped): what a change
  // that touched a few gateways' routes needs, without compiling the whole mesh again.
  std::size_t refresh(std::span<const GatewayId> gateways);

  // A Hello. The first version a gateway ever gets is issued here, above the version it says it
  // runs, so a controller that lost its state never reuses a number. `cancel` ends the session's
  // stream; it is called when a newer session of the same gateway arrives or on close_all().
  Result<SessionTicket, std::string> open_session(GatewayId gateway, std::uint64_t applied_version,
                                                  std::function<void()> cancel);
  // Blocks until there is a version this session has not sent (returned, and recorded as sent) or
  // the session is over (nothing).
  std::optional<v1::SignedSnapshot> next_to_send(const SessionTicket& ticket);
  void acked(const SessionTicket& ticket, std::uint64_t version);
  void nacked(const SessionTicket& ticket, std::uint64_t version, const std::string& reason);
  void reported(const SessionTicket& ticket);
  void close_session(const SessionTicket& ticket);
  // Cancels every open session (the server is stopping).
  void close_all();

  v1::StatusReply status() const;
  // The newest version issued to each gateway (what it should ack next).
  std::map<GatewayId, std::uint64_t> issued_versions() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Gateway {
    // The latest compiled snapshot with version 0, serialized (serialize_deterministic); null: none yet.
    std::shared_ptr<const std::string> content;
    std::string content_digest;
    IssuedVersion issued;                // what the state file holds
    std::uint64_t issued_generation = 0;  // the state-file generation that records issued.version
    v1::SignedSnapshot signed_snapshot;  // issued.version's bytes, once signed in this run
    std::uint64_t sent = 0;
    std::uint64_t nack_version = 0;
    std::string nack_reason;
    std::uint64_t session = 0;  // 0: none open
    std::uint64_t session_has = 0;  // the version the session's gateway runs or was sent
    std::function<void()> cancel;
    Clock::time_point session_start{};
    std::optional<Clock::time_point> last_report;
    std::uint64_t sessions = 0;
  };

  // Issues `version` of the gateway's content; signs it at once unless `sign` is false (the caller
  // signs outside the lock and installs it with install_signed()).
  void issue(Gateway& gateway, std::uint64_t version, bool sign = true);
  void sign_issued(Gateway& gateway);
  v1::SignedSnapshot signed_copy(std::string_view unversioned, std::uint64_t version) const;
  // Writes the state file (mutex_ held on entry and exit, released while writing); see the .cc.
  void persist(std::unique_lock<std::mutex>& lock);
  Gateway* session_gateway(const SessionTicket& ticket);

  const std::vector<GatewayId> ids_;
  const SnapshotSource source_;
  const SigningKey key_;
  const std::optional<v1::KeyEndorsement> endorsement_;  // attached to every signed snapshot
  const std::filesystem::path state_dir_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<GatewayId, Gateway> gateways_;
  std::uint64_t next_session_ = 1;
  std::uint64_t generation_ = 0;        // state changes so far
  std::uint64_t saved_generation_ = 0;  // the newest generation in the state file
  bool writing_ = false;                // a persist() is writing: it picks up newer generations
};

}  // namespace anymesh::server

// Decoding snapshot bytes (binary or text protobuf) and files, then handing them to validation.
#include "dataplane/agent/snapshot_loader.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <string>

#include "controlplane/proto/anymesh.pb.h"
#include "dataplane/agent/snapshot_validation.h"

namespace anymesh::agent {
namespace {

// Keeps the first text-format error instead of letting protobuf log it to stderr.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!message_.empty()) return;
    // Lines and columns are 0-based in protobuf; editors count from 1.
    message_ = "line " + std::to_string(line + 1) + " column " + std::to_string(column + 1) + ": " + message;
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

SnapshotError not_a_snapshot(const std::string& why) {
  return SnapshotError{"snapshot", "not a GatewaySnapshot: " + why};
}

}  // namespace

Result<AppliedSnapshot, SnapshotError> load_snapshot(std::span<const std::uint8_t> bytes,
                                                     const ProbeSettings& probe_fallback) {
  if (bytes.size() > kMaxSnapshotBytes) {
    return fail(not_a_snapshot(std::to_string(bytes.size()) + " bytes is larger than the limit of " +
                               std::to_string(kMaxSnapshotBytes)));
  }
  v1::GatewaySnapshot message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(not_a_snapshot("the protobuf encoding does not parse"));
  }
  return validate_snapshot(message, probe_fallback);
}

Result<AppliedSnapshot, SnapshotError> load_snapshot_text(std::string_view text,
                                                          const ProbeSettings& probe_fallback) {
  if (text.size() > kMaxSnapshotBytes) {
    return fail(not_a_snapshot(std::to_string(text.size()) + " bytes is larger than the limit of " +
                               std::to_string(kMaxSnapshotBytes)));
  }
  v1::GatewaySnapshot message;
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  if (!parser.Parse(&input, &message)) {
    return fail(not_a_snapshot(errors.message().empty() ? "text format does not parse" : errors.message()));
  }
  return validate_snapshot(message, probe_fallback);
}

Result<AppliedSnapshot, SnapshotError> load_snapshot_file(const std::filesystem::path& path,
                                                          const ProbeSettings& probe_fallback) {
  const std::string field = "snapshot file " + path.string();
  std::ifstream file(path, std::ios::binary);
  if (!file) return fail(SnapshotError{field, std::string("cannot open: ") + std::strerror(errno)});
  std::string bytes;
  char chunk[65536];
  while (file.read(chunk, sizeof chunk) || file.gcount() > 0) {
    bytes.append(chunk, static_cast<std::size_t>(file.gcount()));
    if (bytes.size() > kMaxSnapshotBytes) {
      return fail(SnapshotError{field, "larger than the limit of " + std::to_string(kMaxSnapshotBytes) + " bytes"});
    }
  }
  if (file.bad()) return fail(SnapshotError{field, "read error"});
  if (path.extension() == ".txtpb") return load_snapshot_text(bytes, probe_fallback);
  return load_snapshot({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, probe_fallback);
}

Result<AppliedSnapshot, SnapshotError> load_own_snapshot_file(const std::filesystem::path& path,
                                                              routing::GatewayId gateway_id,
                                                              const std::string& region,
                                                              const ProbeSettings& probe_fallback) {
  auto loaded = load_snapshot_file(path, probe_fallback);
  if (!loaded) return loaded;
  if (loaded->self().id != gateway_id) {
    return fail(SnapshotError{"self.id", std::to_string(loaded->self().id) + " is not --gateway-id " +
                                             std::to_string(gateway_id)});
  }
  if (loaded->self().region != region) {
    return fail(SnapshotError{"self.region", "'" + loaded->self().region + "' is not --region '" + region + "'"});
  }
  return loaded;
}

}  // namespace anymesh::agent

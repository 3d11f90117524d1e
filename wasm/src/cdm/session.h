// The Clear Key CDM instance behind one MediaKeys object (EME section 9.1 "Clear Key"): its
// sessions, their keys and statuses, and the CDM-wide key lookup used for decryption.
//
// The JS polyfill runs the EME algorithms (promises, events, the "uninitialized"/"callable"/
// "closed" flags); this class does the steps EME gives to "the CDM". Errors:
//   kInvalidArgument  bad init data, license or acknowledgement        -> TypeError
//   kUnsupported      unknown session or init data type, no Clear Key KID -> NotSupportedError
//   kInvalidState     unknown/closed session, or wrong state for the call  -> InvalidStateError
//   kLimitExceeded    too many open sessions or keys in one session        -> QuotaExceededError
//
// Session lifecycle (closed sessions are forgotten; their id is then "unknown"):
//   CreateSession -> uninitialized --GenerateRequest--> pending --Update--> active
//   pending/active --Remove--> released (keys wiped, statuses "released")
//   released --Update(JWK Set)--> active (temporary: a new license)
//   released persistent-license --Update(release acknowledgement)--> closed
//   any --Close--> closed (keys wiped)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "cdm/cdm_types.h"
#include "cdm/init_data.h"
#include "cdm/key_store.h"

namespace wee::cdm {

enum class SessionState { kUninitialized, kPending, kActive, kReleased, kClosed };
const char* SessionStateName(SessionState state);  // "uninitialized", "pending", ...

constexpr size_t kMaxOpenSessions = 1024;
constexpr size_t kMaxKeysPerSession = 1024;  // several licenses may add keys to one session

struct UpdateResult {
  std::vector<KeyStatusEntry> key_statuses;  // every key of the session after the update
  bool has_additional_usable_key = false;    // EME "Update Key Statuses" step (waiting for key)
  bool session_closed = false;               // a release acknowledgement closed the session
};

struct RemoveResult {
  std::optional<std::string> message;        // "license-release" message (persistent-license)
  std::vector<KeyStatusEntry> key_statuses;  // every key, now "released"
};

class ClearKeyCdm {
 public:
  ClearKeyCdm() = default;
  ClearKeyCdm(const ClearKeyCdm&) = delete;
  ClearKeyCdm& operator=(const ClearKeyCdm&) = delete;

  // A new session with a unique id: Clear Key session ids are "a numerical value representable
  // by a 32-bit integer" (EME 9.1.2), here 1, 2, 3, ... per CDM instance.
  [[nodiscard]] Result<std::string> CreateSession(SessionType type);

  // EME generateRequest(): the license request message for the KIDs in the init data.
  // The session must be uninitialized; on failure it stays uninitialized.
  [[nodiscard]] Result<std::string> GenerateRequest(const std::string& session_id,
                                                    InitDataType init_data_type,
                                                    ByteSpan init_data);

  // EME update(): a JWK Set (whose "type", "temporary" when absent, must equal the session's)
  // or, after Remove() on a persistent-license session, a release acknowledgement. All keys are
  // checked before any is stored.
  [[nodiscard]] Result<UpdateResult> Update(const std::string& session_id, ByteSpan response);

  [[nodiscard]] Result<std::vector<KeyStatusEntry>> KeyStatuses(
      const std::string& session_id) const;

  // EME close(): wipes the session's keys and forgets it. Closing an unknown or already
  // closed session succeeds (close() may race with the CDM closing it, as in Chromium).
  void Close(const std::string& session_id);

  // EME remove(): releases every key of the session. For a persistent-license session the
  // result carries the record of license destruction ({"kids":[...]}), again on every call
  // until Update() receives the acknowledgement. Temporary sessions get no message.
  [[nodiscard]] Result<RemoveResult> Remove(const std::string& session_id);

  // EME load(): this polyfill has no persistent storage (nothing outlives the MediaKeys), so
  // no session can be loaded: false for any well-formed id; kInvalidArgument for an empty one.
  [[nodiscard]] Result<bool> Load(const std::string& session_id);

  // kClosed for closed and unknown ids (ids are never reused).
  SessionState State(const std::string& session_id) const;

  // The usable key for `kid` across all open sessions, or null. When several sessions hold the
  // KID, the key stored last wins (like Chromium's AesDecryptor). The pointer is valid until the
  // next non-const call.
  const SecretBytes* FindKey(ByteSpan kid) const;

  size_t open_sessions() const { return sessions_.size(); }

 private:
  struct Session {
    SessionType type = SessionType::kTemporary;
    SessionState state = SessionState::kUninitialized;
    KeyStore keys;
    std::optional<std::vector<Bytes>> release_record;  // KIDs of the destroyed license
  };

  // The session, or kInvalidState naming it.
  Result<Session*> Find(const std::string& session_id);

  std::map<std::string, Session> sessions_;
  uint64_t next_session_id_ = 1;
  uint64_t update_sequence_ = 0;
};

}  // namespace wee::cdm

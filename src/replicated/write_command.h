// A write as it travels through JetStream (append, soft delete or tombstone), in a binary form
// of our own with a CRC32C. A message of the log holds one write, or several that one node sent
// together (its writers' group commit on the log). Every node decodes the same message and hands
// its writes to its local engine in the log's order, so every node decides them the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mnemos/error.h"
#include "mnemos/types.h"
#include "store/engine.h"

namespace mnemos::replicated {

struct WriteCommand {
  store::WriteRequest::Kind kind = store::WriteRequest::Kind::kAppend;
  std::string stream;
  ExpectedRevision expected = ExpectedRevision::any();
  Uuid marker_id;                 // the id of the system event the write may add
  std::vector<EventData> events;  // appends only; every id assigned
};

std::string encode_command(const WriteCommand& command);

// kCorruption when the bytes are not a command this version wrote (wrong magic, bad CRC,
// truncated, an event without an id).
Result<WriteCommand> decode_command(std::string_view payload);

// A message of several writes: `encoded` are encode_command() results, kept in this order.
std::string encode_batch(const std::vector<std::string>& encoded);

// The writes of one message of the log, in order: a single command or a batch. kCorruption as
// decode_command, for the message as a whole (a damaged message yields no write at all).
Result<std::vector<WriteCommand>> decode_message(std::string_view payload);

// Whether `payload` has the mark of a Mnemos message ("MN" and a version) in a form this version
// does not know: a newer Mnemos wrote it. A node must stop there rather than skip it as
// foreign, or its copy would part from the nodes that apply it.
bool from_newer_version(std::string_view payload);

// The engine request that applies `command` at `commit_time_micros`.
std::unique_ptr<store::WriteRequest> to_request(WriteCommand command, int64_t commit_time_micros);

}  // namespace mnemos::replicated

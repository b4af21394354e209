// What the CLI prints: NDJSON on stdout (one object a line), one line a cause on stderr.
// The shapes are a contract, documented in docs/CLI.md; keys keep the order written here.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::cli {

using Json = nlohmann::ordered_json;

// {"stream","revision","position","id","type","timestamp","data","metadata"}. A JSON payload
// prints as its JSON value (null when empty); a binary one as a base64 string, followed by
// "data_encoding":"base64" (or "metadata_encoding").
Json event_json(const RecordedEvent& event);

// {"stream","first_revision","last_revision","position"}
Json ack_json(std::string_view stream, const AppendResult& result);

// {"error":{"code","message","actual_revision"?}}: an error as a line of NDJSON output.
Json error_line_json(const Error& error);

// Writes `value` and a newline to stdout (buffered; see flush_output).
void print_line(const Json& value);
void flush_output();

// "mnemos: <cause>" on stderr, as one line (line breaks in `cause` become spaces), after what
// stdout holds so far.
void print_error_line(std::string_view cause);

// "mnemos: <code name>: <message>" on stderr. Returns the exit code for the error.
int report_error(const Error& error);

// Reports an invalid argument (exit code 2).
int report_usage_error(std::string_view message);

}  // namespace mnemos::cli

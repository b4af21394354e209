// What the CLI prints: NDJSON on stdout (one object a line), one line a cause on stderr.
// The shapes are a contract, documented in docs/CLI.md; keys keep the order written here.
#pragma once

#include <string_view>

#include "json/event_json.h"
#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::cli {

// The shapes of events, acks and errors are shared with the HTTP API (src/json/event_json.h).
using json::ack_json;
using json::error_line_json;
using json::event_json;
using json::Json;

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

// append --stdin: NDJSON requests in, one acknowledgement or error line out for each, in order.
// Appends are pipelined (append_async, a bounded window in flight); each line is printed and
// flushed once its append is durable, before the tool waits for anything else.
#include <atomic>
#include <optional>

#include <fmt/core.h>

#include "cli/commands.h"
#include "json/event_input.h"
#include "cli/exit_codes.h"
#include "cli/line_reader.h"
#include "cli/output.h"
#include "cli/pipeline.h"

namespace mnemos::cli {
namespace {

constexpr size_t kWindow = 256;

// An error of the store itself (not of one request): nothing more can be appended.
bool is_store_failure(const Error& error) {
  const ExitCode code = exit_code_for(error.code);
  return code == kExitIoError || code == kExitCorruption;
}

}  // namespace

int run_append_stdin(Store& store) {
  std::atomic<bool> failed{false};
  std::optional<Error> failure;  // written by the pipeline thread, read after finish()
  AppendPipeline pipeline(
      kWindow,
      [&](const std::string& stream, const AppendPipeline::Outcome& outcome) {
        if (outcome) {
          print_line(ack_json(stream, *outcome));
          return;
        }
        print_line(error_line_json(outcome.error()));
        if (is_store_failure(outcome.error()) && !failed.exchange(true)) failure = outcome.error();
      },
      flush_output);

  LineReader reader(stdin);
  std::string_view line;
  while (!failed && reader.next(line)) {
    if (is_blank(line)) continue;
    auto request = json::parse_append_request(line);
    if (!request) {
      Error error = request.error();
      error.message = fmt::format("line {}: {}", reader.line_number(), error.message);
      pipeline.submit_ready({}, std::unexpected(std::move(error)));
      continue;
    }
    std::string stream = request->stream;
    pipeline.submit(std::move(stream), store.append_async(std::move(request->stream),
                                                          request->expected,
                                                          std::move(request->events)));
  }
  pipeline.finish();
  flush_output();
  if (failure) return report_error(*failure);
  return kExitOk;
}

}  // namespace mnemos::cli

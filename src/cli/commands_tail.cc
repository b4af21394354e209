// tail: follow a stream or $all, printing each event as it arrives, until SIGINT or SIGTERM.
#include <signal.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <variant>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"

namespace mnemos::cli {
namespace {

constexpr std::chrono::milliseconds kPollInterval{200};

volatile std::sig_atomic_t g_stop_requested = 0;

extern "C" void request_stop(int) { g_stop_requested = 1; }

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct TailArgs {
  std::string stream;  // empty: $all
  std::optional<uint64_t> from;
  EventFilter filter;
};

Result<std::unique_ptr<Subscription>> subscribe(Store& store, const TailArgs& args) {
  if (!args.stream.empty()) {
    SubscribeStreamOptions options;
    options.start = args.from ? StartAt::kFrom : StartAt::kEnd;
    options.from = Revision{args.from.value_or(0)};
    return store.subscribe_stream(args.stream, options);
  }
  SubscribeAllOptions options;
  if (!args.from) {
    options.start = StartAt::kEnd;
  } else if (*args.from == 0) {
    options.start = StartAt::kBeginning;  // positions start above 0
  } else {
    options.start = StartAt::kFrom;
    options.from = Position{*args.from};
  }
  options.filter = args.filter;
  return store.subscribe_all(options);
}

int run_tail(const CommandSet& commands, const TailArgs& args) {
  install_stop_handlers();
  return with_store(commands, [&](Store& store) {
    auto subscription = subscribe(store, args);
    if (!subscription) return report_error(subscription.error());
    while (!g_stop_requested) {
      auto message = (*subscription)->next(kPollInterval);
      if (!message) {
        if (g_stop_requested) break;
        return report_error(message.error());
      }
      if (!*message) continue;  // timeout: check for a stop request
      // CaughtUp and Checkpoint are bookkeeping: only events are printed.
      const auto* event = std::get_if<RecordedEvent>(&**message);
      if (event == nullptr || !args.filter.matches(event->stream, event->type)) continue;
      print_line(event_json(*event));
      flush_output();
    }
    (*subscription)->cancel();
    return 0;
  });
}

}  // namespace

void add_tail_command(CommandSet& commands) {
  auto [sub, args] = commands.add_with_args<TailArgs>(
      "tail",
      "Follow a stream or $all: print events as they are committed, until SIGINT/SIGTERM",
      run_tail);
  add_stream_option(sub, args->stream, "Stream to follow (default: $all)");
  add_from_option(sub, args->from, "N|P",
                  "Start at revision N (with --stream) or position P (default: only events "
                  "committed from now on; --from 0: from the beginning)");
  add_filter_options(sub, args->filter);
}

}  // namespace mnemos::cli

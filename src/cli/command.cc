#include "cli/command.h"

#include "cli/output.h"
#include "cli/progress.h"
#include "mnemos/embedded.h"
#ifdef MNEMOS_HAVE_JETSTREAM
#include "mnemos/jetstream.h"
#endif

namespace mnemos::cli {

CLI::App* CommandSet::add(const std::string& name, const std::string& description,
                          Handler handler) {
  CLI::App* sub = app_.add_subcommand(name, description);
  entries_.push_back(Entry{sub, std::move(handler)});
  return sub;
}

Result<std::unique_ptr<Store>> CommandSet::open_store(const Options& options,
                                                      const std::string& backend) const {
  const bool db_is_url = backend.empty() && global_.db.starts_with("nats://");
  if (backend.empty() && !db_is_url) return open_embedded(global_.db, options);
#ifdef MNEMOS_HAVE_JETSTREAM
  JetStreamOptions js;
  js.local_dir = db_is_url ? kDefaultReplicaDir : global_.db;
  js.limits = options;
  if (auto s = parse_jetstream_url(db_is_url ? global_.db : backend, js); !s) {
    return std::unexpected(s.error());
  }
  ProgressMeter meter("catching up with " + js.stream);
  return open_jetstream(js, [&meter](uint64_t done, uint64_t total) { meter.update(done, total, "messages"); });
#else
  return make_error(ErrorCode::kInvalidArgument,
                    "this mnemos was built without the JetStream backend (libnats-dev was missing)");
#endif
}

int CommandSet::run_selected() const {
  for (const Entry& entry : entries_) {
    if (entry.app->parsed()) return entry.handler();
  }
  return 0;
}

int with_store(const CommandSet& commands, const std::function<int(Store&)>& body) {
  auto store = commands.open_store();
  if (!store) return report_error(store.error());
  return body(**store);
}

}  // namespace mnemos::cli

#include "cli/command.h"

#include "cli/output.h"
#include "cli/progress.h"
#include "mnemos/embedded.h"
#include "mnemos/open.h"

namespace mnemos::cli {

CLI::App* CommandSet::add(const std::string& name, const std::string& description,
                          Handler handler) {
  CLI::App* sub = app_.add_subcommand(name, description);
  entries_.push_back(Entry{sub, std::move(handler)});
  return sub;
}

Result<std::unique_ptr<Store>> CommandSet::open_store(const Options& options,
                                                      const std::string& backend) const {
  OpenOptions open;
  open.limits = options;
  if (!backend.empty()) open.local_dir = global_.db;
  const std::string& location = backend.empty() ? global_.db : backend;
  if (!is_store_url(location)) return mnemos::open_store(location, open);
  ProgressMeter meter("catching up with the JetStream log");
  open.catch_up_progress = [&meter](uint64_t done, uint64_t total) { meter.update(done, total, "messages"); };
  return mnemos::open_store(location, open);
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

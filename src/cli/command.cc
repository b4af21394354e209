#include "cli/command.h"

#include "cli/output.h"
#include "mnemos/embedded.h"

namespace mnemos::cli {

CLI::App* CommandSet::add(const std::string& name, const std::string& description,
                          Handler handler) {
  CLI::App* sub = app_.add_subcommand(name, description);
  entries_.push_back(Entry{sub, std::move(handler)});
  return sub;
}

Result<std::unique_ptr<Store>> CommandSet::open_store(const Options& options) const {
  return open_embedded(global_.db, options);
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

// The frame every `mnemos` subcommand plugs into: global options, registration, dispatch.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "mnemos/embedded.h"
#include "mnemos/store.h"

namespace mnemos::cli {

struct GlobalOptions {
  std::string db = "./mnemos-data";
};

// Owns the list of subcommands. A subcommand is a CLI11 app (its options are added by the
// caller) plus a handler that runs after parsing when it was the one given; the handler
// returns the process exit code. Subcommands added straight to the parent app (like `bench`)
// run from their own CLI11 callbacks instead.
class CommandSet {
 public:
  using Handler = std::function<int()>;

  CommandSet(CLI::App& app, GlobalOptions& global) : app_(app), global_(global) {}
  CommandSet(const CommandSet&) = delete;
  CommandSet& operator=(const CommandSet&) = delete;

  CLI::App* add(const std::string& name, const std::string& description, Handler handler);

  // The same for a command whose options fill an `Args`: returns the subcommand and the
  // `Args` (owned by the handler) to bind options to; the handler is run(*this, args).
  template <class Args>
  std::pair<CLI::App*, Args*> add_with_args(const std::string& name,
                                            const std::string& description,
                                            int (*run)(const CommandSet&, const Args&)) {
    auto args = std::make_shared<Args>();
    CLI::App* sub = add(name, description, [this, args, run] { return run(*this, *args); });
    return {sub, args.get()};
  }

  CLI::App& app() { return app_; }
  const GlobalOptions& global() const { return global_; }

  // Opens the store in --db (creating it when missing). A --db of `nats://...` opens the store
  // on that JetStream cluster, with its local copy in ./mnemos-replica unless the URL says
  // `local=DIR`; a non-empty `backend` (serve --backend) does the same with --db as the copy.
  Result<std::unique_ptr<Store>> open_store(const Options& options = {},
                                            const std::string& backend = {}) const;

  // The exit code of the handler of the subcommand that was parsed; 0 when there is none.
  int run_selected() const;

 private:
  struct Entry {
    CLI::App* app;
    Handler handler;
  };
  CLI::App& app_;
  GlobalOptions& global_;
  std::vector<Entry> entries_;
};

// Runs `body` with a store opened on --db; reports an open failure and returns its exit code.
int with_store(const CommandSet& commands, const std::function<int(Store&)>& body);

}  // namespace mnemos::cli

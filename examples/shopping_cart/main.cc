// `shopping-cart`: the seed documents' event-sourcing example on a Mnemos store.
//   shopping-cart [--db DIR] [--backend nats://...] the scripted demo (one new cart per run)
//   shopping-cart [--db DIR] add CART SKU QTY     and remove, change, checkout
//   shopping-cart [--db DIR] history CART         the cart's events
//   shopping-cart [--db DIR] show CART [--as-of TIME | --at POSITION]
#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cart_actions.h"
#include "demo.h"
#include "mnemos/open.h"
#include "util/time_format.h"

int main(int argc, char** argv) {
  CLI::App app{"The shopping cart of the seed documents, event-sourced on a Mnemos store.\n"
               "Without a command it runs a short demo; run it again to continue on the same data."};
  std::string db = "shopping-cart-data";
  app.add_option("--db", db, "Data directory (created when missing)")->capture_default_str();
  std::string backend;
  app.add_option("--backend", backend,
                 "nats://HOST:PORT[,...]: keep the events on that JetStream cluster (docs/NATS.md); "
                 "--db then holds this program's local copy");

  std::string cart_id, sku, as_of_text;
  int quantity = 0;
  std::optional<uint64_t> at_position;
  auto* demo = app.add_subcommand("demo", "Run the scripted demo (the default)");
  auto* add = app.add_subcommand("add", "Add QTY of SKU to CART");
  auto* remove = app.add_subcommand("remove", "Remove SKU from CART");
  auto* change = app.add_subcommand("change", "Set the quantity of SKU in CART");
  auto* checkout = app.add_subcommand("checkout", "Check CART out");
  auto* history = app.add_subcommand("history", "Print the events of CART");
  auto* show = app.add_subcommand("show", "Print the state of CART, now or as of a time or position");
  for (CLI::App* sub : {add, remove, change, checkout, history, show}) {
    sub->add_option("cart", cart_id, "Cart id (its stream is cart-<id>)")->required();
  }
  for (CLI::App* sub : {add, remove, change}) sub->add_option("sku", sku, "Item")->required();
  for (CLI::App* sub : {add, change}) sub->add_option("quantity", quantity, "Quantity")->required();
  auto* as_of_option = show->add_option("--as-of", as_of_text, "An RFC 3339 time, e.g. 2026-11-28T10:00:00Z");
  show->add_option("--at", at_position, "A position in $all")->excludes(as_of_option);
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);

  mnemos::AsOf as_of;
  if (!as_of_text.empty()) {
    auto time = mnemos::parse_rfc3339(as_of_text);
    if (!time) {
      fmt::print(stderr, "--as-of: {}\n", time.error().message);
      return 64;
    }
    as_of.time = *time;
  }
  if (at_position) as_of.position = mnemos::Position{*at_position};

  auto store = mnemos::open_store(backend.empty() ? db : backend, {.local_dir = db});
  if (!store) {
    fmt::print(stderr, "cannot open {}: {}\n", db, store.error().to_string());
    return 1;
  }
  mnemos::Store& s = **store;
  if (*add) return cart::run_command(s, cart_id, cart::AddItem{sku, quantity}, stdout);
  if (*remove) return cart::run_command(s, cart_id, cart::RemoveItem{sku}, stdout);
  if (*change) return cart::run_command(s, cart_id, cart::ChangeQuantity{sku, quantity}, stdout);
  if (*checkout) return cart::run_command(s, cart_id, cart::CheckOut{}, stdout);
  if (*history) return cart::print_history(s, cart_id, stdout);
  if (*show) return cart::print_state(s, cart_id, as_of, stdout);
  (void)demo;
  return cart::run_demo(s, stdout);
}

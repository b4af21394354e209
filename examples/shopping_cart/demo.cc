#include "demo.h"

#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "cart_actions.h"
#include "util/time_format.h"

namespace cart {
namespace {

void heading(std::FILE* out, const std::string& text) { fmt::print(out, "\n== {} ==\n", text); }

mnemos::Result<std::vector<mnemos::StreamSummary>> all_carts(const mnemos::Store& store) {
  std::vector<mnemos::StreamSummary> carts;
  mnemos::ListStreamsOptions page;
  page.prefix = "cart-";
  while (true) {
    auto listed = store.list_streams(page);
    if (!listed) return std::unexpected(std::move(listed.error()));
    carts.insert(carts.end(), listed->begin(), listed->end());
    if (listed->size() < page.limit) return carts;
    page.after = listed->back().name;
  }
}

}  // namespace

int run_demo(mnemos::Store& store, std::FILE* out) {
  auto existing = all_carts(store);
  if (!existing) {
    fmt::print(out, "cannot list carts: {}\n", existing.error().to_string());
    return 1;
  }
  // Each run opens a new cart, so running again continues the same store.
  const std::string id = std::to_string(existing->size() + 1);
  fmt::print(out, "Shopping cart demo: cart {} (stream {}); {} cart(s) were already in this store\n",
             id, stream_of(id), existing->size());

  heading(out, "Commands: each is decided on the cart's events, then appended");
  const Command script[] = {
      AddItem{"book-42", 1},        ChangeQuantity{"mug-7", 2}, AddItem{"mug-7", 2},
      AddItem{"pen-3", -1},         ChangeQuantity{"mug-7", 3}, RemoveItem{"book-42"},
      AddItem{"pen-3", 4},          CheckOut{},                 AddItem{"book-42", 1},
  };
  for (const Command& command : script) {
    if (run_command(store, id, command, out) == 1) return 1;
    // Distinct commit times, so that "as of" below falls between two commands.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  heading(out, "Event history of " + stream_of(id));
  if (print_history(store, id, out) != 0) return 1;

  heading(out, "The cart rebuilt from its events");
  if (print_state(store, id, {}, out) != 0) return 1;

  auto second = store.read_stream(stream_of(id), {.from = mnemos::Revision{1}, .limit = 1});
  if (!second || second->events.empty()) return 1;
  const mnemos::Timestamp then = second->events.front().timestamp;
  heading(out, "The cart as it was at " + mnemos::format_rfc3339(then) + " (its second event)");
  if (print_state(store, id, mnemos::AsOf{std::nullopt, then}, out) != 0) return 1;

  heading(out, "Every cart in this store");
  auto carts = all_carts(store);
  if (!carts) return 1;
  for (const mnemos::StreamSummary& summary : *carts) {
    if (print_state(store, summary.name.substr(5), {}, out) != 0) return 1;
  }
  return 0;
}

}  // namespace cart

#include "cart_actions.h"

#include <variant>

#include <fmt/format.h>

#include "mnemos/cqrs/command_handler.h"
#include "util/time_format.h"

namespace cart {
namespace {

std::string describe(const Command& command) {
  struct Visitor {
    std::string operator()(const AddItem& c) const { return fmt::format("add {} x {}", c.quantity, c.sku); }
    std::string operator()(const RemoveItem& c) const { return fmt::format("remove {}", c.sku); }
    std::string operator()(const ChangeQuantity& c) const {
      return fmt::format("change {} to {}", c.sku, c.quantity);
    }
    std::string operator()(const CheckOut&) const { return "check out"; }
  };
  return std::visit(Visitor{}, command);
}

std::string describe_state(const State& state) {
  std::string items;
  for (const auto& [sku, quantity] : state.items) {
    items += fmt::format("{}{} x {}", items.empty() ? "" : ", ", quantity, sku);
  }
  return fmt::format("{}{}", items.empty() ? "empty" : items, state.checked_out ? "  [checked out]" : "");
}

}  // namespace

std::string stream_of(const std::string& cart_id) { return "cart-" + cart_id; }

mnemos::cqrs::SnapshotPolicy snapshot_policy() {
  mnemos::cqrs::SnapshotPolicy policy;
  policy.every = 5;
  policy.schema_version = 1;
  return policy;
}

int run_command(mnemos::Store& store, const std::string& cart_id, const Command& command,
                std::FILE* out) {
  mnemos::cqrs::HandleOptions options;
  options.snapshots = snapshot_policy();
  const std::string stream = stream_of(cart_id);
  auto handled = mnemos::cqrs::handle(store, Decider{}, stream, command, options);
  if (handled) {
    if (!handled->appended) {
      fmt::print(out, "  {:<24} ok, nothing to change\n", describe(command));
    } else {
      fmt::print(out, "  {:<24} ok -> {} revision {} (position {})\n", describe(command), stream,
                 handled->revision->value, handled->position.value);
    }
    return 0;
  }
  if (const Error* rejected = mnemos::cqrs::rejection(handled.error())) {
    fmt::print(out, "  {:<24} REJECTED: {}\n", describe(command), cart::describe(*rejected));
    return 2;
  }
  if (mnemos::cqrs::is_conflict(handled.error())) {
    fmt::print(out, "  {:<24} CONFLICT: the cart kept changing; try again\n", describe(command));
    return 3;
  }
  fmt::print(out, "  {:<24} FAILED: {}\n", describe(command),
             mnemos::cqrs::failure(handled.error())->error.to_string());
  return 1;
}

int print_history(const mnemos::Store& store, const std::string& cart_id, std::FILE* out) {
  const std::string stream = stream_of(cart_id);
  auto read = store.read_stream(stream, {});
  if (!read) {
    fmt::print(out, "  {}: {}\n", stream, read.error().to_string());
    return read.error().code == mnemos::ErrorCode::kNotFound ? 0 : 1;
  }
  for (const mnemos::RecordedEvent& e : read->events) {
    fmt::print(out, "  rev {:>3}  pos {:>6}  {}  {:<22} {}\n", e.revision.value, e.position.value,
               mnemos::format_rfc3339(e.timestamp), e.type, e.data);
  }
  return 0;
}

int print_state(const mnemos::Store& store, const std::string& cart_id, const mnemos::AsOf& as_of,
                std::FILE* out) {
  mnemos::cqrs::LoadOptions options;
  options.as_of = as_of;
  options.snapshots = snapshot_policy();
  auto loaded = mnemos::cqrs::load(store, Decider{}, stream_of(cart_id), options);
  if (!loaded) {
    fmt::print(out, "  {}\n", loaded.error().to_string());
    return 1;
  }
  if (!loaded->revision) {
    fmt::print(out, "  cart {}: no events {}\n", cart_id, as_of.position || as_of.time ? "yet at that point" : "");
    return 0;
  }
  const std::string source =
      loaded->snapshot ? fmt::format("snapshot at revision {} + {} event(s)", loaded->snapshot->value, loaded->events)
                       : fmt::format("{} event(s) folded", loaded->events);
  fmt::print(out, "  cart {} at revision {}: {}\n  ({})\n", cart_id, loaded->revision->value,
             describe_state(loaded->state), source);
  return 0;
}

}  // namespace cart

// The shopping cart of the seed documents as a decider: items with quantities, checked out once.
// Rules: no quantity below zero (or a zero/negative add), nothing after checkout, no empty
// checkout. Used by the shopping-cart example, the CQRS tests and the aggregate benchmark.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemos/cqrs/decider.h"

namespace cart {

// Events
struct ItemAdded {
  std::string sku;
  int quantity = 0;
  friend bool operator==(const ItemAdded&, const ItemAdded&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemAdded, sku, quantity)
MNEMOS_EVENT_TYPE(ItemAdded, "cart.item-added")

struct ItemRemoved {
  std::string sku;
  friend bool operator==(const ItemRemoved&, const ItemRemoved&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ItemRemoved, sku)
MNEMOS_EVENT_TYPE(ItemRemoved, "cart.item-removed")

struct QuantityChanged {
  std::string sku;
  int quantity = 0;
  friend bool operator==(const QuantityChanged&, const QuantityChanged&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(QuantityChanged, sku, quantity)
MNEMOS_EVENT_TYPE(QuantityChanged, "cart.quantity-changed")

struct CheckedOut {
  int items = 0;  // total quantity at checkout
  friend bool operator==(const CheckedOut&, const CheckedOut&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CheckedOut, items)
MNEMOS_EVENT_TYPE(CheckedOut, "cart.checked-out")

using Event = std::variant<ItemAdded, ItemRemoved, QuantityChanged, CheckedOut>;

// Commands
struct AddItem {
  std::string sku;
  int quantity = 0;
};
struct RemoveItem {
  std::string sku;
};
struct ChangeQuantity {
  std::string sku;
  int quantity = 0;
};
struct CheckOut {};
using Command = std::variant<AddItem, RemoveItem, ChangeQuantity, CheckOut>;

// State
struct State {
  std::map<std::string, int> items;
  bool checked_out = false;
  friend bool operator==(const State&, const State&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(State, items, checked_out)  // for snapshots

enum class Error { kNegativeQuantity, kNotInCart, kCheckedOut, kEmptyCart };

inline const char* describe(Error error) {
  switch (error) {
    case Error::kNegativeQuantity: return "no negative quantities (and an add needs at least 1)";
    case Error::kNotInCart: return "that item is not in the cart";
    case Error::kCheckedOut: return "the cart is checked out: nothing can change after checkout";
    case Error::kEmptyCart: return "an empty cart cannot be checked out";
  }
  return "unknown error";
}

struct Decider {
  using State = cart::State;
  using Command = cart::Command;
  using Event = cart::Event;
  using Error = cart::Error;

  State initial_state() const { return {}; }

  mnemos::cqrs::Decision<Event, Error> decide(const Command& command, const State& state) const {
    using Out = mnemos::cqrs::Decision<Event, Error>;
    if (state.checked_out) return std::unexpected(Error::kCheckedOut);
    struct Visitor {
      const State& s;
      Out operator()(const AddItem& c) const {
        if (c.quantity <= 0) return std::unexpected(Error::kNegativeQuantity);
        return std::vector<Event>{ItemAdded{c.sku, c.quantity}};
      }
      Out operator()(const RemoveItem& c) const {
        if (!s.items.contains(c.sku)) return std::unexpected(Error::kNotInCart);
        return std::vector<Event>{ItemRemoved{c.sku}};
      }
      Out operator()(const ChangeQuantity& c) const {
        if (c.quantity < 0) return std::unexpected(Error::kNegativeQuantity);
        auto it = s.items.find(c.sku);
        if (it == s.items.end()) return std::unexpected(Error::kNotInCart);
        if (it->second == c.quantity) return std::vector<Event>{};  // nothing changes
        return std::vector<Event>{QuantityChanged{c.sku, c.quantity}};
      }
      Out operator()(const CheckOut&) const {
        int total = 0;
        for (const auto& [sku, quantity] : s.items) total += quantity;
        if (total == 0) return std::unexpected(Error::kEmptyCart);
        return std::vector<Event>{CheckedOut{total}};
      }
    };
    return std::visit(Visitor{state}, command);
  }

  // By value: the fold moves the state in, so applying an event does not copy the cart.
  State evolve(State state, const Event& event) const {
    struct Visitor {
      State& s;
      void operator()(const ItemAdded& e) const { s.items[e.sku] += e.quantity; }
      void operator()(const ItemRemoved& e) const { s.items.erase(e.sku); }
      void operator()(const QuantityChanged& e) const { s.items[e.sku] = e.quantity; }
      void operator()(const CheckedOut&) const { s.checked_out = true; }
    };
    std::visit(Visitor{state}, event);
    return state;
  }
};

static_assert(mnemos::cqrs::Decider<Decider>);

}  // namespace cart

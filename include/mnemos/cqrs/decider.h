// Deciders: an aggregate described as three pure functions over plain C++ types.
//
//   struct CartDecider {
//     using State = Cart;                                    // any copyable type
//     using Command = std::variant<AddItem, CheckOut>;       // any type
//     using Event = std::variant<ItemAdded, CheckedOut>;     // a variant of event types (codec.h)
//     using Error = CartError;                               // the domain error
//     State initial_state() const;
//     Decision<Event, Error> decide(const Command&, const State&) const;
//     State evolve(const State&, const Event&) const;   // or evolve(State, const Event&)
//   };
//
// decide() returns the events that the command produces (possibly none) or a domain error;
// evolve() applies one event. The current state is fold(evolve, initial_state(), events).
// The fold hands the state to evolve() as an rvalue: an evolve() that takes State by value
// changes it in place and returns it, where one that takes const State& must copy it.
// A decider is an object, so the services a decision needs are passed to it explicitly.
// Header-only; uses only the public Store API.
#pragma once

#include <expected>
#include <optional>
#include <ranges>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mnemos/cqrs/codec.h"
#include "mnemos/error.h"

namespace mnemos::cqrs {

// What decide() returns: the new events, or the domain error that rejects the command.
template <class Event, class DomainError>
using Decision = std::expected<std::vector<Event>, DomainError>;

template <class D>
concept Decider = requires(const D& decider, const typename D::Command& command,
                           const typename D::State& state, const typename D::Event& event) {
  typename D::State;
  typename D::Command;
  typename D::Event;
  typename D::Error;
  Codec<typename D::Event>::knows(std::string_view());
  { decider.initial_state() } -> std::same_as<typename D::State>;
  { decider.decide(command, state) } -> std::same_as<Decision<typename D::Event, typename D::Error>>;
  { decider.evolve(state, event) } -> std::same_as<typename D::State>;
};

// state = evolve(...evolve(evolve(initial, e0), e1)..., en)
template <class Evolve, class State, std::ranges::input_range Events>
State fold(Evolve&& evolve, State state, Events&& events) {
  for (auto&& event : events) state = evolve(std::move(state), event);
  return state;
}

// The same with a decider's evolve() and initial state.
template <Decider D, std::ranges::input_range Events>
typename D::State fold(const D& decider, Events&& events) {
  return fold([&](auto&& s, const auto& e) { return decider.evolve(std::forward<decltype(s)>(s), e); },
              decider.initial_state(), std::forward<Events>(events));
}

// Why handling a command failed. Three kinds that callers treat differently:
//  - Rejected: the domain said no (decide() returned an error). Retrying will not help.
//  - Conflict: the stream kept moving under us; every attempt (1 + max_retries) met a
//    kWrongExpectedRevision. The command may succeed if sent again later.
//  - Failure: the store or the stored data failed: I/O, a deleted stream, an event that does
//    not decode (unknown type, bad JSON), an event that does not encode.
template <class DomainError>
struct Rejected {
  DomainError error;
};

struct Conflict {
  Error error;       // the last kWrongExpectedRevision (actual_revision says where the stream was)
  int attempts = 0;  // how many times the command was decided and appended
};

struct Failure {
  Error error;
};

template <class DomainError>
using HandleError = std::variant<Rejected<DomainError>, Conflict, Failure>;

template <class DomainError>
const DomainError* rejection(const HandleError<DomainError>& error) {
  const auto* r = std::get_if<Rejected<DomainError>>(&error);
  return r ? &r->error : nullptr;
}

template <class DomainError>
bool is_conflict(const HandleError<DomainError>& error) {
  return std::holds_alternative<Conflict>(error);
}

template <class DomainError>
const Failure* failure(const HandleError<DomainError>& error) {
  return std::get_if<Failure>(&error);
}

}  // namespace mnemos::cqrs

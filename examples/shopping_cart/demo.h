// The scripted tour that `shopping-cart` runs by default: one new cart per run, its commands
// (two of them refused by the domain rules), its event history, its rebuilt state, its state as
// of an earlier time, and every cart the data directory holds so far.
#pragma once

#include <cstdio>

#include "mnemos/store.h"

namespace cart {

int run_demo(mnemos::Store& store, std::FILE* out);

}  // namespace cart

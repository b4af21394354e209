// The report of a bench run: a table on stdout, and the JSON file of --json.
#pragma once

#include <cstdio>
#include <string>

#include "result.h"

namespace mnemos::bench {

void print_report(const BenchReport& report, std::FILE* out);

// {"results":[{"system","workload","writers","events_per_s","p50_us","p99_us","p999_us",
// "bytes_per_event", ...}], "scale", "scaled", "extras":[...]}
void write_json(const BenchReport& report, const std::string& path);

}  // namespace mnemos::bench
